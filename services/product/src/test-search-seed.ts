import { newId, type Database } from "@polyscale/platform";
import type { ProductAttribute, VariantOption } from "./model.js";
import * as repository from "./repository.js";
import { slugFromName } from "./categories.js";

/** A product to put in the catalog; categoryName creates (or reuses) a category of that name. */
export interface SeedProduct {
  name: string;
  description: string;
  priceCents: number;
  /** ISO 4217; USD when absent. */
  currency?: string;
  stock: number;
  categoryName?: string;
  /** The option values of each of its variants, the first holding the stock; absent: one variant without options. */
  variantOptions?: VariantOption[][];
  /** Free attributes (brand, material). */
  attributes?: ProductAttribute[];
  /** Taken off sale once stored. */
  archived?: boolean;
  /** Positions of variants (of variantOptions) taken off sale once stored. */
  archivedVariants?: number[];
}

export interface SeededProduct extends SeedProduct {
  id: string;
  categoryId?: string;
}

/**
 * For the search tests: stores the products of a search behaviour suite (or the relevance catalogue), creating each
 * named category once, and returns them with their ids. Engines that index elsewhere (Elasticsearch) seed the
 * database with this, then index it.
 */
export async function seedForSearch(db: Database, products: SeedProduct[]): Promise<SeededProduct[]> {
  const categoryIds = new Map<string, string>();
  const seeded: SeededProduct[] = [];
  for (const product of products) {
    let categoryId = product.categoryName && categoryIds.get(product.categoryName);
    if (product.categoryName && !categoryId) {
      const category = await repository.insertCategory(db, {
        id: newId(),
        name: product.categoryName,
        slug: slugFromName(product.categoryName),
        parentId: null,
      });
      if (!category) throw new Error(`two seeded categories share the slug of "${product.categoryName}"`);
      categoryId = category.id;
      categoryIds.set(product.categoryName, categoryId);
    }
    const id = newId();
    const stored = await db.transaction((tx) =>
      repository.insertProduct(tx, {
        id,
        name: product.name,
        description: product.description,
        categoryId: categoryId || null,
        attributes: product.attributes ?? [],
        variants: (product.variantOptions ?? [[]]).map((options, index) => {
          const variantId = index === 0 ? id : newId();
          return {
            id: variantId,
            sku: variantId.toUpperCase(),
            options,
            priceCents: product.priceCents,
            currency: product.currency ?? "USD",
            stock: index === 0 ? product.stock : 0,
          };
        }),
      }),
    );
    if (stored.kind !== "written") throw new Error(`seeded product "${product.name}" was refused (${stored.kind})`);
    if (product.archived) await db.transaction((tx) => repository.setArchived(tx, id, true));
    for (const position of product.archivedVariants ?? []) {
      const variant = stored.product.variants[position]!;
      await db.transaction((tx) => repository.setVariantArchived(tx, variant.id, true));
    }
    seeded.push({ ...product, id, categoryId: categoryId || undefined });
  }
  return seeded;
}
