import { requireId, type Page } from "@polyscale/platform";
import type {
  Category,
  NewVariant,
  Product,
  OptionValueFacet,
  ProductAttribute,
  ProductImage,
  SearchProductsResponse,
  SearchSort,
  StockLevel,
  UpdateProductRequest,
  Variant,
  VariantOption,
} from "@polyscale/product";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { isAdmin, requireAdmin } from "./authorization.js";

/** The catalog: anyone may read products, categories and search; admins write them and read stock levels. */

export async function getProduct(context: GatewayContext, id: string): Promise<Product | undefined> {
  return context.loaders.productById.load(requireId("id", id));
}

export async function listProducts(context: GatewayContext, page: Page): Promise<Product[]> {
  return (await context.services.product.listProducts(page)).products;
}

export interface ProductSearch {
  query: string;
  categoryIds: string[];
  /** ISO 4217 code of the price bounds and price facets (validated). */
  currency: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
  /** Variant option filters as typed (the product service checks and folds them); absent means none. */
  options?: Array<{ name: string; values: string[] }>;
  sort: SearchSort;
  page: Page;
}

/**
 * Searches the catalog. Every rule of the input (price bounds among them) is the product service's; its refusals name
 * its contract's fields (`maxPriceCents`), which each skin renames to what its client sent (`maxPrice`).
 */
export async function searchProducts(context: GatewayContext, search: ProductSearch): Promise<SearchProductsResponse> {
  return context.services.product.searchProducts({
    query: search.query,
    categoryIds: search.categoryIds,
    currency: search.currency,
    minPriceCents: search.minPriceCents,
    maxPriceCents: search.maxPriceCents,
    inStockOnly: search.inStockOnly,
    options: search.options ?? [],
    sort: search.sort,
    skip: search.page.skip,
    take: search.page.take,
  });
}

/** A search's option facets grouped by option, as both skins answer them: names in order, values most counted first. */
export function optionFacetGroups(
  facets: readonly OptionValueFacet[],
): Array<{ name: string; values: Array<{ value: string; count: number }> }> {
  const groups: Array<{ name: string; values: Array<{ value: string; count: number }> }> = [];
  for (const { name, value, count } of facets) {
    if (groups.at(-1)?.name !== name) groups.push({ name, values: [] });
    groups.at(-1)!.values.push({ value, count });
  }
  return groups;
}

export async function createProduct(
  context: GatewayContext,
  input: {
    name: string;
    description: string;
    priceCents: number;
    currency?: string;
    categoryId?: string;
    stock?: number;
    /** The product's variants, the default first; absent: one default variant of priceCents, currency and stock. */
    variants?: NewVariant[];
    /** Free attributes (brand, material); absent: none. */
    attributes?: ProductAttribute[];
  },
): Promise<Product> {
  requireAdmin(await context.viewer());
  const response = await context.services.product.createProduct({
    name: input.name,
    description: input.description,
    priceCents: input.priceCents,
    currency: input.currency ?? "",
    categoryId: input.categoryId ?? "",
    stock: input.stock ?? 0,
    variants: input.variants && { variants: input.variants },
    attributes: input.attributes && { attributes: input.attributes },
  });
  return present(response.product, "product");
}

export async function updateProduct(context: GatewayContext, input: UpdateProductRequest): Promise<Product> {
  requireAdmin(await context.viewer());
  return present((await context.services.product.updateProduct(input)).product, "product");
}

/** Adds delta to a variant's stock: the product's default variant's when variantId is absent. */
export async function adjustStock(
  context: GatewayContext,
  input: { productId: string; delta: number; variantId?: string },
): Promise<Product> {
  requireAdmin(await context.viewer());
  return present((await context.services.product.adjustStock(input)).product, "product");
}

/** Admins only: adds a variant after the product's others (SKU_TAKEN naming sku when its SKU is taken). */
export async function addVariant(
  context: GatewayContext,
  input: { productId: string; variant: NewVariant },
): Promise<{ product: Product; variant: Variant }> {
  requireAdmin(await context.viewer());
  const response = await context.services.product.addVariant(input);
  return { product: present(response.product, "product"), variant: present(response.variant, "variant") };
}

/** Admins only: changes the fields of a variant that are set (options replace all of its option values). */
export async function updateVariant(
  context: GatewayContext,
  input: { id: string; sku?: string; options?: VariantOption[]; priceCents?: number; currency?: string },
): Promise<{ product: Product; variant: Variant }> {
  requireAdmin(await context.viewer());
  const { options, ...fields } = input;
  const response = await context.services.product.updateVariant({
    ...fields,
    options: options === undefined ? undefined : { options },
  });
  return { product: present(response.product, "product"), variant: present(response.variant, "variant") };
}

/** Admins only: replaces a product's images, in order; the product service checks each (images[i].url, .alt). */
export async function setProductImages(
  context: GatewayContext,
  productId: string,
  images: readonly { url: string; alt?: string; variantId?: string }[],
): Promise<Product> {
  requireAdmin(await context.viewer());
  const response = await context.services.product.setProductImages({
    productId,
    images: images.map((image) => ({ url: image.url, alt: image.alt ?? "", variantId: image.variantId ?? "" })),
  });
  return present(response.product, "product");
}

/**
 * Admins only: takes a product off sale (archived true) or puts it back (false). Archived, it leaves listings, search
 * and new carts, carts holding it show the line as unavailable and checkout refuses it (PRODUCT_ARCHIVED); orders keep
 * their snapshots. Idempotent.
 */
export async function setProductArchived(context: GatewayContext, id: string, archived: boolean): Promise<Product> {
  requireAdmin(await context.viewer());
  const response = archived
    ? await context.services.product.archiveProduct({ id })
    : await context.services.product.restoreProduct({ id });
  return present(response.product, "product");
}

/**
 * Admins only: takes one variant off sale (archived true) or puts it back (false). Archived, it leaves search, its
 * option values filters and facets, and new carts; carts holding it show the line as unavailable and checkout refuses
 * it (VARIANT_ARCHIVED); orders keep their snapshots. The product's last variant on sale is refused
 * (LAST_VARIANT_ON_SALE: archive the product). Idempotent.
 */
export async function setVariantArchived(
  context: GatewayContext,
  id: string,
  archived: boolean,
): Promise<{ product: Product; variant: Variant }> {
  requireAdmin(await context.viewer());
  const response = archived
    ? await context.services.product.archiveVariant({ id })
    : await context.services.product.restoreVariant({ id });
  return { product: present(response.product, "product"), variant: present(response.variant, "variant") };
}

/**
 * The variants of a product a viewer is shown: all of them to an admin (archived ones with archivedAt, so they can be
 * restored), those on sale to anyone else, as Vendure's and Saleor's storefront APIs leave out disabled variants and
 * variants without a channel listing while their admin APIs list them. Both skins show products through this.
 */
export async function shownVariants(context: GatewayContext, product: Product): Promise<Variant[]> {
  const hidden = await hiddenVariantIds(context, product);
  return hidden.size === 0 ? product.variants : product.variants.filter((variant) => !hidden.has(variant.id));
}

/** The images of a product a viewer is shown: an archived variant's only to admins, as its variant (shownVariants). */
export async function shownImages(context: GatewayContext, product: Product): Promise<ProductImage[]> {
  const hidden = await hiddenVariantIds(context, product);
  return hidden.size === 0 ? product.images : product.images.filter((image) => !hidden.has(image.variantId));
}

/** The product as a viewer is shown it (shownVariants, shownImages), for the skins that answer whole products (REST). */
export async function shownProduct(context: GatewayContext, product: Product): Promise<Product> {
  return { ...product, variants: await shownVariants(context, product), images: await shownImages(context, product) };
}

/** The archived variants of the product, unless the viewer is an admin (who is shown everything). */
async function hiddenVariantIds(context: GatewayContext, product: Product): Promise<Set<string>> {
  const archived = product.variants.filter((variant) => variant.archivedAt !== undefined);
  if (archived.length === 0 || isAdmin(await context.viewer())) return new Set();
  return new Set(archived.map((variant) => variant.id));
}

/**
 * Admins only: stock on hand, available, held by unpaid orders and sold, per product: of the given products, or
 * without any, of the `take` products holding the most units (a hold problem shows first).
 */
export async function listStockLevels(
  context: GatewayContext,
  input: { productIds: readonly string[]; take: number },
): Promise<StockLevel[]> {
  requireAdmin(await context.viewer());
  return (await context.services.product.listStockLevels({ productIds: [...input.productIds], take: input.take }))
    .levels;
}

export async function createCategory(
  context: GatewayContext,
  input: { name: string; slug?: string; parentId?: string },
): Promise<Category> {
  requireAdmin(await context.viewer());
  const response = await context.services.product.createCategory({
    name: input.name,
    slug: input.slug ?? "",
    parentId: input.parentId ?? "",
  });
  return present(response.category, "category");
}

/** A category by id, for fields that name one (a product's, a parent); the empty id means none. Anyone may read it. */
export async function getCategory(context: GatewayContext, id: string): Promise<Category | undefined> {
  return id === "" ? undefined : context.loaders.categoryById.load(id);
}

export async function listCategories(context: GatewayContext): Promise<Category[]> {
  const categories = (await context.services.product.listCategories({})).categories;
  for (const category of categories) context.loaders.categoryById.prime(category.id, category);
  return categories;
}
