import {
  alreadyExists,
  invalidArgument,
  newId,
  normalizePage,
  notFound,
  recordEvents,
  requireCurrency,
  requireId,
  requireIds,
  requireHttpsUrl,
  requireInteger,
  requireLine,
  requirePrice,
  requireStock,
  requireText,
  type AppError,
  type Database,
} from "@polyscale/platform";
import slugify from "@sindresorhus/slugify";
import { archiveChanged, productChanged } from "./events.js";
import type {
  Category,
  NewProduct,
  NewVariant,
  Product,
  ProductAttribute,
  ProductChanges,
  ProductImage,
  Variant,
  VariantChanges,
  VariantOption,
} from "./model.js";
import { searchDuration } from "./metrics.js";
import * as repository from "./repository.js";
import type { OptionFilter, SearchEngine, SearchResult, SearchSortOrder } from "./search/search-engine.js";

const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 10_000;
const MAX_CATEGORY_NAME_LENGTH = 100;
const MAX_SLUG_LENGTH = 100;
const MAX_QUERY_LENGTH = 200;
const MAX_IDS_PER_GET = 1000;
const MAX_CATEGORY_FILTERS = 100;
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SKU_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
const MAX_VARIANTS = 100;
const MAX_OPTIONS = 10;
const MAX_OPTION_NAME_LENGTH = 50;
const MAX_OPTION_VALUE_LENGTH = 100;
/** Options one search may filter on, and values of one option (OR'd): more than a storefront's facet panel offers. */
const MAX_OPTION_FILTERS = 10;
const MAX_OPTION_FILTER_VALUES = 50;
/** Attributes of one product: a spec sheet's worth, each searched as an option value. */
const MAX_ATTRIBUTES = 30;

/** A variant to create: an empty sku means one made from its id, an empty currency the service default. */
export interface NewVariantInput {
  sku: string;
  options: VariantOption[];
  priceCents: number;
  currency: string;
  stock: number;
}

/** Images of one product; a gallery rarely shows more, and the list lives on the product row. */
export const MAX_IMAGES = 20;
/** Longest image URL: what every browser and CDN accepts (the de facto limit of 2,048 characters). */
export const MAX_IMAGE_URL_LENGTH = 2048;
export const MAX_IMAGE_ALT_LENGTH = 500;

export interface CreateProductInput {
  name: string;
  description: string;
  /** With variants empty: the one default variant's price, currency and stock (0 when variants are given). */
  priceCents: number;
  /** Empty means the service default. */
  currency: string;
  /** Empty means no category. */
  categoryId: string;
  stock: number;
  /** The default first; empty (or absent) means one default variant of priceCents, currency and stock. */
  variants?: NewVariantInput[];
  /** Free attributes (brand, material); absent means none. */
  attributes?: ProductAttribute[];
}

export interface UpdateVariantInput {
  id: string;
  sku?: string;
  /** Replaces all of the variant's option values. */
  options?: VariantOption[];
  priceCents?: number;
  currency?: string;
}

export interface UpdateProductInput {
  id: string;
  name?: string;
  description?: string;
  priceCents?: number;
  currency?: string;
  /** The empty string removes the category. */
  categoryId?: string;
  /** Replaces all of the product's attributes (an empty list removes them). */
  attributes?: ProductAttribute[];
}

export interface SearchInput {
  query: string;
  categoryIds: string[];
  /** Of the price bounds and price facets; empty (or absent) means DEFAULT_CURRENCY. */
  currency?: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
  /**
   * Variant option filters as typed, e.g. [{ name: "Colour", values: ["red", "blue"] }]: one of the values of each
   * option (matched without case or accents); absent or empty means none.
   */
  options?: ReadonlyArray<{ name: string; values: readonly string[] }>;
  /** Unspecified means relevance when there is a query, newest first otherwise. */
  sort: SearchSortOrder | "unspecified";
  skip: number;
  take: number;
}

export interface CreateCategoryInput {
  name: string;
  /** Empty means derived from the name. */
  slug: string;
  /** Empty means a top-level category. */
  parentId: string;
}

export interface CatalogServiceOptions {
  database: Database;
  /** Answers SearchProducts (PostgreSQL full text or Elasticsearch, possibly behind a cache). */
  searchEngine: SearchEngine;
  /** The currency of a product created without one, and of price bounds given without one (DEFAULT_CURRENCY). */
  defaultCurrency: string;
}

/**
 * The catalog: products (their names, prices, currencies and categories), reading and searching them, and the
 * category tree. Stock is set when a product is created; every later change to it is the inventory's (inventory.ts).
 */
export class CatalogService {
  private readonly database: Database;
  private readonly searchEngine: SearchEngine;
  private readonly defaultCurrency: string;

  constructor(options: CatalogServiceOptions) {
    this.database = options.database;
    this.searchEngine = options.searchEngine;
    this.defaultCurrency = options.defaultCurrency;
  }

  /**
   * A product with its variants (the first is the default, with the product's id), or the old way: one default
   * variant of priceCents, currency and stock. ALREADY_EXISTS SKU_TAKEN (field sku) when a SKU is taken,
   * VARIANT_OPTIONS_TAKEN (field options) when two variants have the same option values; nothing is written then.
   */
  async createProduct(input: CreateProductInput): Promise<Product> {
    const id = newId();
    const given = input.variants ?? [];
    if (given.length > MAX_VARIANTS) {
      throw invalidArgument("variants", `must hold at most ${MAX_VARIANTS} variants`, "LIMIT_EXCEEDED");
    }
    if (given.length > 0 && input.priceCents !== 0) {
      throw invalidArgument("priceCents", "must be 0 when variants are given: each variant has its price");
    }
    if (given.length > 0 && input.stock !== 0) {
      throw invalidArgument("stock", "must be 0 when variants are given: each variant has its stock");
    }
    const product: NewProduct = {
      id,
      name: requireText("name", input.name, { max: MAX_NAME_LENGTH }),
      description: requireText("description", input.description, { min: 0, max: MAX_DESCRIPTION_LENGTH }),
      categoryId: input.categoryId === "" ? null : requireId("categoryId", input.categoryId),
      attributes: requireOptions("attributes", input.attributes ?? [], MAX_ATTRIBUTES),
      variants:
        given.length > 0
          ? given.map((variant, index) => this.newVariant(`variants[${index}].`, variant, index === 0 ? id : newId()))
          : [
              this.newVariant(
                "",
                { sku: "", options: [], priceCents: input.priceCents, currency: input.currency, stock: input.stock },
                id,
              ),
            ],
    };
    requireDistinct(product.variants);
    if (product.categoryId !== null) await this.requireCategory("categoryId", product.categoryId);
    return this.database.transaction(async (tx) => {
      const outcome = await repository.insertProduct(tx, product);
      if (outcome.kind !== "written") throw variantRefused(outcome);
      await recordEvents(tx, [productChanged("product.created", outcome.product)]);
      return outcome.product;
    });
  }

  /** Adds a variant after the product's others. Errors as createProduct's, and PRODUCT_NOT_FOUND (productId). */
  async addVariant(input: {
    productId: string;
    variant: NewVariantInput;
  }): Promise<{ product: Product; variant: Variant }> {
    const productId = requireId("productId", input.productId);
    const variant = this.newVariant("variant.", input.variant, newId());
    return this.database.transaction(async (tx) => {
      const outcome = await repository.insertVariant(tx, productId, variant);
      if (outcome.kind === "notFound") throw productNotFound(productId, "productId");
      if (outcome.kind !== "written") throw variantRefused(outcome);
      const product = (await repository.getProduct(tx, productId))!;
      await recordEvents(tx, [productChanged("product.updated", product)]);
      return { product, variant: outcome.variant };
    });
  }

  /** Changes the fields that are set. Errors as createProduct's, and VARIANT_NOT_FOUND (id). */
  async updateVariant(input: UpdateVariantInput): Promise<{ product: Product; variant: Variant }> {
    const id = requireId("id", input.id);
    const changes: VariantChanges = {
      sku: input.sku === undefined ? undefined : requireSku("sku", input.sku),
      options: input.options === undefined ? undefined : requireOptions("options", input.options, MAX_OPTIONS),
      priceCents: input.priceCents === undefined ? undefined : requirePrice("priceCents", input.priceCents),
      currency: input.currency === undefined ? undefined : requireCurrency("currency", input.currency),
    };
    return this.database.transaction(async (tx) => {
      const outcome = Object.values(changes).every((value) => value === undefined)
        ? await repository.getVariant(tx, id).then((variant) => variant && { kind: "written" as const, variant })
        : await repository.updateVariant(tx, id, changes);
      if (!outcome || outcome.kind === "notFound") {
        throw notFound("VARIANT_NOT_FOUND", `variant ${id} not found`, "id");
      }
      if (outcome.kind !== "written") throw variantRefused(outcome);
      const product = (await repository.getProduct(tx, outcome.variant.productId))!;
      await recordEvents(tx, [productChanged("product.updated", product)]);
      return { product, variant: outcome.variant };
    });
  }

  /** A variant to store, its fields checked under `prefix` ("variants[2].", "variant." or "" for the old way). */
  private newVariant(prefix: string, input: NewVariantInput, id: string): NewVariant & { id: string } {
    return {
      id,
      sku: input.sku === "" ? id.toUpperCase() : requireSku(`${prefix}sku`, input.sku),
      options: requireOptions(`${prefix}options`, input.options, MAX_OPTIONS),
      priceCents: requirePrice(`${prefix}priceCents`, input.priceCents),
      currency: requireCurrency(`${prefix}currency`, input.currency === "" ? this.defaultCurrency : input.currency),
      stock: requireStock(`${prefix}stock`, input.stock),
    };
  }

  async updateProduct(input: UpdateProductInput): Promise<Product> {
    const id = requireId("id", input.id);
    const changes: ProductChanges = {
      name: input.name === undefined ? undefined : requireText("name", input.name, { max: MAX_NAME_LENGTH }),
      description:
        input.description === undefined
          ? undefined
          : requireText("description", input.description, { min: 0, max: MAX_DESCRIPTION_LENGTH }),
      priceCents: input.priceCents === undefined ? undefined : requirePrice("priceCents", input.priceCents),
      currency: input.currency === undefined ? undefined : requireCurrency("currency", input.currency),
      categoryId:
        input.categoryId === undefined
          ? undefined
          : input.categoryId === ""
            ? null
            : requireId("categoryId", input.categoryId),
      attributes:
        input.attributes === undefined ? undefined : requireOptions("attributes", input.attributes, MAX_ATTRIBUTES),
    };
    if (changes.categoryId) await this.requireCategory("categoryId", changes.categoryId);
    const product = Object.values(changes).every((value) => value === undefined)
      ? await repository.getProduct(this.database, id)
      : await this.database.transaction(async (tx) => {
          const updated = await repository.updateProduct(tx, id, changes);
          if (updated) await recordEvents(tx, [productChanged("product.updated", updated)]);
          return updated;
        });
    if (!product) throw productNotFound(id, "id");
    return product;
  }

  async getProduct(id: string): Promise<Product> {
    const product = await repository.getProduct(this.database, requireId("id", id));
    if (!product) throw productNotFound(id, "id");
    return product;
  }

  /**
   * Replaces the product's images with `images`, in that order (the first is the main image; sending the list in
   * another order reorders it, an empty list removes them), recording product.updated. Every image is checked before
   * anything is written: INVALID_ARGUMENT naming `images[i].url` (not an absolute https URL by the WHATWG parser, with
   * a user name or password, spaces or controls, or over MAX_IMAGE_URL_LENGTH; a URL already in the list) or
   * `images[i].alt` (control characters or line breaks, over MAX_IMAGE_ALT_LENGTH), or `images` with reason
   * LIMIT_EXCEEDED beyond MAX_IMAGES. NOT_FOUND PRODUCT_NOT_FOUND (field productId) for an unknown product.
   */
  async setImages(input: { productId: string; images: readonly { url: string; alt: string }[] }): Promise<Product> {
    const productId = requireId("productId", input.productId);
    const images = requireImages(input.images);
    const product = await this.database.transaction(async (tx) => {
      const updated = await repository.setImages(tx, productId, images);
      if (updated) await recordEvents(tx, [productChanged("product.updated", updated)]);
      return updated;
    });
    if (!product) throw productNotFound(productId, "productId");
    return product;
  }

  /**
   * Takes the product off sale (archived true) or puts it on sale again (false), recording product.archived or
   * product.restored. Archived, it leaves listings and search (both engines follow the event) and reservations refuse
   * it (repository.reserveStock); it is still read by id, so carts and orders that hold it keep showing it. Nothing is
   * deleted. Idempotent: a product already in that state is returned as it is, with no event. NOT_FOUND
   * PRODUCT_NOT_FOUND (field id) for an unknown product.
   */
  async setArchived(id: string, archived: boolean): Promise<Product> {
    const productId = requireId("id", id);
    const outcome = await this.database.transaction(async (tx) => {
      const change = await repository.setArchived(tx, productId, archived);
      if (change?.changed) await recordEvents(tx, [archiveChanged(change.product)]);
      return change;
    });
    if (!outcome) throw productNotFound(productId, "id");
    return outcome.product;
  }

  /** The products that exist among ids, in request order, each once. */
  async getProducts(ids: string[]): Promise<Product[]> {
    return repository.getProducts(this.database, requireIds("ids", ids, { max: MAX_IDS_PER_GET }));
  }

  /** Products on sale, newest first (archived ones are left out). */
  async listProducts(page: { skip: number; take: number }): Promise<Product[]> {
    return repository.listProducts(this.database, normalizePage(page));
  }

  /**
   * One page of matches with counts and facets; see SearchResult for what the counts mean. INVALID_ARGUMENT naming the
   * field for a bad input: query too long, a bad category id, price bounds, currency, or option filter
   * (`options[i].name`: empty, too long, with "=", or the same option twice; `options[i].values[j]`: empty or too
   * long; reason LIMIT_EXCEEDED for too many options, `options`, or values, `options[i].values`, or none,
   * `options[i].values`).
   */
  async searchProducts(input: SearchInput): Promise<SearchResult> {
    const text = requireText("query", input.query, { min: 0, max: MAX_QUERY_LENGTH });
    const categoryIds = requireIds("categoryIds", input.categoryIds, { max: MAX_CATEGORY_FILTERS });
    const minPriceCents = optionalPrice("minPriceCents", input.minPriceCents);
    const maxPriceCents = optionalPrice("maxPriceCents", input.maxPriceCents);
    if (minPriceCents !== undefined && maxPriceCents !== undefined && maxPriceCents < minPriceCents) {
      throw invalidArgument("maxPriceCents", "must not be below minPriceCents");
    }
    const options = await this.requireOptionFilters(input.options ?? []);
    const page = normalizePage(input, { defaultTake: 20, maxTake: 100 });
    const sort = input.sort !== "unspecified" ? input.sort : text === "" ? "newest" : "relevance";
    const searched = searchDuration.startTimer({ engine: this.searchEngine.name });
    return this.searchEngine
      .search({
        text,
        categoryIds,
        currency: requireCurrency("currency", input.currency ? input.currency : this.defaultCurrency),
        minPriceCents,
        maxPriceCents,
        inStockOnly: input.inStockOnly,
        options,
        sort,
        ...page,
      })
      .finally(searched);
  }

  /**
   * Option filters checked (see searchProducts) and folded as products.option_keys holds them, by the database's own
   * search_normalize, so a filter matches whatever the stored options fold to; values of one option are made distinct.
   */
  private async requireOptionFilters(
    filters: ReadonlyArray<{ name: string; values: readonly string[] }>,
  ): Promise<OptionFilter[]> {
    if (filters.length > MAX_OPTION_FILTERS) {
      throw invalidArgument("options", `must hold at most ${MAX_OPTION_FILTERS} options`, "LIMIT_EXCEEDED");
    }
    const checked = filters.map((filter, index) => {
      const field = `options[${index}]`;
      if (filter.values.length === 0) throw invalidArgument(`${field}.values`, "must hold at least one value");
      if (filter.values.length > MAX_OPTION_FILTER_VALUES) {
        throw invalidArgument(
          `${field}.values`,
          `must hold at most ${MAX_OPTION_FILTER_VALUES} values`,
          "LIMIT_EXCEEDED",
        );
      }
      return {
        name: requireOptionName(`${field}.name`, filter.name),
        values: filter.values.map((value, at) =>
          requireText(`${field}.values[${at}]`, value, { max: MAX_OPTION_VALUE_LENGTH }),
        ),
      };
    });
    if (checked.length === 0) return [];
    const folded = await repository.foldSearchTerms(
      this.database,
      checked.flatMap((filter) => [filter.name, ...filter.values]),
    );
    let at = 0;
    const names = new Set<string>();
    return checked.map((filter, index) => {
      const name = folded[at++]!;
      const values = filter.values.map(() => folded[at++]!);
      if (names.has(name)) throw invalidArgument(`options[${index}].name`, `names "${filter.name}" twice`);
      names.add(name);
      return { name, values: [...new Set(values)] };
    });
  }

  async createCategory(input: CreateCategoryInput): Promise<Category> {
    const name = requireText("name", input.name, { max: MAX_CATEGORY_NAME_LENGTH });
    const id = newId();
    const slug = input.slug.trim() === "" ? slugFromName(name) || id : input.slug.trim();
    if (slug.length > MAX_SLUG_LENGTH || !SLUG_PATTERN.test(slug)) {
      throw invalidArgument("slug", "must be lowercase letters and digits in words joined by hyphens");
    }
    const parentId = input.parentId === "" ? null : requireId("parentId", input.parentId);
    if (parentId !== null) await this.requireCategory("parentId", parentId);
    const category = await repository.insertCategory(this.database, { id, name, slug, parentId });
    if (!category) throw alreadyExists("SLUG_TAKEN", `a category with slug "${slug}" already exists`, "slug");
    return category;
  }

  async listCategories(): Promise<Category[]> {
    return repository.listCategories(this.database);
  }

  private async requireCategory(field: string, id: string): Promise<void> {
    if (!(await repository.categoryExists(this.database, id))) {
      throw notFound("CATEGORY_NOT_FOUND", `category ${id} not found`, field);
    }
  }
}

/**
 * A SKU as stored: trimmed and upper-case, 1-64 of letters, digits, '.', '_' and '-', starting with a letter or digit.
 * @throws AppError INVALID_ARGUMENT naming field
 */
function requireSku(field: string, sku: string): string {
  const normalized = sku.trim().toUpperCase();
  if (!SKU_PATTERN.test(normalized)) {
    throw invalidArgument(field, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return normalized;
}

/**
 * Option values of a variant, or attributes of a product, as stored: at most `max`, each name (see requireOptionName)
 * and value non-empty text, no name twice (compared without case). @throws AppError INVALID_ARGUMENT naming field
 * (LIMIT_EXCEEDED beyond max)
 */
function requireOptions(field: string, options: readonly VariantOption[], max: number): VariantOption[] {
  if (options.length > max) {
    throw invalidArgument(field, `must hold at most ${max}`, "LIMIT_EXCEEDED");
  }
  const names = new Set<string>();
  return options.map((option) => {
    const name = requireOptionName(`${field}.name`, option.name);
    const value = requireText(`${field}.value`, option.value, { max: MAX_OPTION_VALUE_LENGTH });
    if (names.has(name.toLowerCase())) throw invalidArgument(`${field}.name`, `names "${name}" twice`);
    names.add(name.toLowerCase());
    return { name, value };
  });
}

/**
 * An option name: non-empty text of at most MAX_OPTION_NAME_LENGTH without "=", which separates name from value in
 * the keys search filters on (products.option_keys). @throws AppError INVALID_ARGUMENT naming field
 */
function requireOptionName(field: string, name: string): string {
  const checked = requireText(field, name, { max: MAX_OPTION_NAME_LENGTH });
  if (checked.includes("=")) throw invalidArgument(field, 'must not contain "="');
  return checked;
}

/** Refuses two variants of one request with the same SKU (field sku), before the database is asked. */
function requireDistinct(variants: readonly NewVariant[]): void {
  const skus = new Set<string>();
  for (const variant of variants) {
    if (skus.has(variant.sku)) throw variantRefused({ kind: "skuTaken", sku: variant.sku });
    skus.add(variant.sku);
  }
}

/** ALREADY_EXISTS for a variant the unique constraints refused: its SKU (field sku) or its option values. */
function variantRefused(outcome: { kind: "skuTaken"; sku: string } | { kind: "optionsTaken" }): AppError {
  return outcome.kind === "skuTaken"
    ? alreadyExists("SKU_TAKEN", `a variant with SKU "${outcome.sku}" already exists`, "sku")
    : alreadyExists("VARIANT_OPTIONS_TAKEN", "another variant of the product has the same option values", "options");
}

/** NOT_FOUND PRODUCT_NOT_FOUND for the product `id`, naming the request field that held it. */
export function productNotFound(id: string, field: string): AppError {
  return notFound("PRODUCT_NOT_FOUND", `product ${id} not found`, field);
}

/** The images checked and normalised (URLs as the WHATWG parser serialises them), positions from 0; see setImages. */
function requireImages(images: readonly { url: string; alt: string }[]): ProductImage[] {
  if (images.length > MAX_IMAGES) {
    throw invalidArgument("images", `must hold at most ${MAX_IMAGES} images`, "LIMIT_EXCEEDED");
  }
  const seen = new Set<string>();
  return images.map((image, position) => {
    const url = requireHttpsUrl(`images[${position}].url`, image.url, { max: MAX_IMAGE_URL_LENGTH });
    if (seen.has(url)) throw invalidArgument(`images[${position}].url`, "is already in the list");
    seen.add(url);
    const alt = requireLine(`images[${position}].alt`, image.alt, { min: 0, max: MAX_IMAGE_ALT_LENGTH });
    return { url, alt, position };
  });
}

function optionalPrice(field: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : requireInteger(field, value, { min: 0 });
}

/**
 * The slug of a category name, by @sindresorhus/slugify's transliteration: "Garden & Outdoor" → "garden-and-outdoor",
 * "Обувь" → "obuv", "Straße" → "strasse". A name it cannot transliterate (Chinese, Hebrew, only symbols) gives "";
 * its category then takes its own id as slug, which is valid and unique. The name is NFKC-normalised first, so that
 * compatibility forms reach the transliteration as the letters they stand for: "ǅungla" → "dzungla", "Ｆｕｌｌ" → "full".
 */
export function slugFromName(name: string): string {
  // Not decamelized: "Æble" is one word ("aeble"), as "iPhone" is ("iphone").
  return slugify(name.normalize("NFKC"), { decamelize: false }).slice(0, MAX_SLUG_LENGTH).replace(/-+$/, "");
}
