import { newId } from "@polyscale/platform";
import type { ProductRepository } from "./repository.js";
import { slugFromName } from "./service.js";
import type { SeededProduct, SeedProduct } from "./search/search-engine.behaviour.js";

/**
 * For tests: stores the products of a search behaviour suite, creating each named category once, and returns them
 * with their ids. Engines that index elsewhere (Elasticsearch) seed the database with this, then index it.
 */
export async function seedForSearch(repository: ProductRepository, products: SeedProduct[]): Promise<SeededProduct[]> {
  const categoryIds = new Map<string, string>();
  const seeded: SeededProduct[] = [];
  for (const product of products) {
    let categoryId = product.categoryName && categoryIds.get(product.categoryName);
    if (product.categoryName && !categoryId) {
      const category = await repository.createCategory({
        id: newId(),
        name: product.categoryName,
        slug: slugFromName(product.categoryName),
        parentId: null,
      });
      categoryId = category.id;
      categoryIds.set(product.categoryName, categoryId);
    }
    const stored = await repository.createProduct({
      id: newId(),
      name: product.name,
      description: product.description,
      priceCents: product.priceCents,
      currency: product.currency ?? "USD",
      categoryId: categoryId || null,
      stock: product.stock,
    });
    seeded.push({ ...product, id: stored.id, categoryId: stored.categoryId ?? undefined });
  }
  return seeded;
}
