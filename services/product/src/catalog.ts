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
  requireInteger,
  requirePrice,
  requireStock,
  requireText,
  type AppError,
  type Database,
} from "@polyscale/platform";
import slugify from "@sindresorhus/slugify";
import { archiveChanged, productChanged } from "./events.js";
import type { Category, Product, ProductChanges } from "./model.js";
import { searchDuration } from "./metrics.js";
import * as repository from "./repository.js";
import type { SearchEngine, SearchResult, SearchSortOrder } from "./search/search-engine.js";

const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 10_000;
const MAX_CATEGORY_NAME_LENGTH = 100;
const MAX_SLUG_LENGTH = 100;
const MAX_QUERY_LENGTH = 200;
const MAX_IDS_PER_GET = 1000;
const MAX_CATEGORY_FILTERS = 100;
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface CreateProductInput {
  name: string;
  description: string;
  priceCents: number;
  /** Empty means the service default. */
  currency: string;
  /** Empty means no category. */
  categoryId: string;
  stock: number;
}

export interface UpdateProductInput {
  id: string;
  name?: string;
  description?: string;
  priceCents?: number;
  currency?: string;
  /** The empty string removes the category. */
  categoryId?: string;
}

export interface SearchInput {
  query: string;
  categoryIds: string[];
  /** Of the price bounds and price facets; empty (or absent) means DEFAULT_CURRENCY. */
  currency?: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
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

  async createProduct(input: CreateProductInput): Promise<Product> {
    const product = {
      id: newId(),
      name: requireText("name", input.name, { max: MAX_NAME_LENGTH }),
      description: requireText("description", input.description, { min: 0, max: MAX_DESCRIPTION_LENGTH }),
      priceCents: requirePrice("priceCents", input.priceCents),
      currency: requireCurrency("currency", input.currency === "" ? this.defaultCurrency : input.currency),
      categoryId: input.categoryId === "" ? null : requireId("categoryId", input.categoryId),
      stock: requireStock("stock", input.stock),
    };
    if (product.categoryId !== null) await this.requireCategory("categoryId", product.categoryId);
    return this.database.transaction(async (tx) => {
      const created = await repository.insertProduct(tx, product);
      await recordEvents(tx, [productChanged("product.created", created)]);
      return created;
    });
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

  /** One page of matches with counts and facets; see SearchResult for what the counts mean. */
  async searchProducts(input: SearchInput): Promise<SearchResult> {
    const text = requireText("query", input.query, { min: 0, max: MAX_QUERY_LENGTH });
    const categoryIds = requireIds("categoryIds", input.categoryIds, { max: MAX_CATEGORY_FILTERS });
    const minPriceCents = optionalPrice("minPriceCents", input.minPriceCents);
    const maxPriceCents = optionalPrice("maxPriceCents", input.maxPriceCents);
    if (minPriceCents !== undefined && maxPriceCents !== undefined && maxPriceCents < minPriceCents) {
      throw invalidArgument("maxPriceCents", "must not be below minPriceCents");
    }
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
        sort,
        ...page,
      })
      .finally(searched);
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

/** NOT_FOUND PRODUCT_NOT_FOUND for the product `id`, naming the request field that held it. */
export function productNotFound(id: string, field: string): AppError {
  return notFound("PRODUCT_NOT_FOUND", `product ${id} not found`, field);
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
