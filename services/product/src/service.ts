import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  LIMITS,
  newId,
  normalizePage,
  notFound,
  recordEvents,
  requireCurrency,
  requireId,
  requireIds,
  requireInteger,
  requireLineQuantity,
  requirePrice,
  requireStock,
  requireText,
  type Database,
} from "@polyscale/platform";
import slugify from "@sindresorhus/slugify";
import { productChanged, stockChanged } from "./events.js";
import type {
  Category,
  Product,
  ProductChanges,
  Reservation,
  ReservationLine,
  ReservationStatus,
  StockLevel,
} from "./model.js";
import { searchDuration, stockRefusals } from "./metrics.js";
import * as repository from "./repository.js";
import type { SearchEngine, SearchResult, SearchSortOrder } from "./search/search-engine.js";

const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 10_000;
const MAX_CATEGORY_NAME_LENGTH = 100;
const MAX_SLUG_LENGTH = 100;
const MAX_QUERY_LENGTH = 200;
const MAX_IDS_PER_GET = 1000;
const MAX_CATEGORY_FILTERS = 100;
const MAX_RESERVATION_LINES = 100;
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

export interface ProductServiceOptions {
  database: Database;
  /** Answers SearchProducts (PostgreSQL full text or Elasticsearch, possibly behind a cache). */
  searchEngine: SearchEngine;
  /** The currency of a product created without one, and of price bounds given without one (DEFAULT_CURRENCY). */
  defaultCurrency: string;
}

/**
 * The business rules of the catalog and the inventory. Every input is checked here before anything is written; the
 * repository's outcomes become errors here, and each change records its event in the transaction that makes it. No
 * method takes the request context: none calls another service or logs for a request.
 */
export class ProductService {
  private readonly database: Database;
  private readonly searchEngine: SearchEngine;
  private readonly defaultCurrency: string;

  constructor(options: ProductServiceOptions) {
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

  /** The products that exist among ids, in request order, each once. */
  async getProducts(ids: string[]): Promise<Product[]> {
    return repository.getProducts(this.database, requireIds("ids", ids, { max: MAX_IDS_PER_GET }));
  }

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

  async adjustStock(input: { productId: string; delta: number }): Promise<Product> {
    const productId = requireId("productId", input.productId);
    const delta = requireInteger("delta", input.delta, {});
    if (delta === 0) throw invalidArgument("delta", "must not be zero");
    // The sum is checked again in the repository, under the row lock.
    requireStock("delta", Math.abs(delta));
    return this.database.transaction(async (tx) => {
      const outcome = await repository.adjustStock(tx, productId, delta);
      switch (outcome.kind) {
        case "productNotFound":
          throw productNotFound(productId, "productId");
        case "outOfRange":
          if (delta > 0) {
            throw invalidArgument(
              "delta",
              `stock of product ${productId} would exceed ${LIMITS.stock}`,
              "LIMIT_EXCEEDED",
            );
          }
          throw failedPrecondition("INSUFFICIENT_STOCK", `stock of product ${productId} cannot go below zero`, "delta");
        case "adjusted":
          await recordEvents(tx, [stockChanged(productId, { stock: outcome.product.stock, delta, cause: "adjusted" })]);
          return outcome.product;
      }
    });
  }

  async reserveStock(input: { orderId: string; lines: ReservationLine[] }): Promise<Reservation> {
    const orderId = requireId("orderId", input.orderId);
    if (input.lines.length === 0) throw invalidArgument("lines", "must not be empty");
    if (input.lines.length > MAX_RESERVATION_LINES) {
      throw invalidArgument("lines", `must hold at most ${MAX_RESERVATION_LINES} lines`);
    }
    // Two lines for one product are one line for their sum.
    const quantities = new Map<string, number>();
    for (const line of input.lines) {
      const productId = requireId("productId", line.productId);
      const quantity = requireLineQuantity("quantity", line.quantity);
      quantities.set(productId, requireInteger("quantity", (quantities.get(productId) ?? 0) + quantity, {}));
    }
    const lines = [...quantities].map(([productId, quantity]) => ({ productId, quantity }));
    // Takes stock for every line or for none: a refusal thrown here rolls the lines already taken back.
    return this.database.transaction(async (tx) => {
      const outcome = await repository.reserveStock(tx, orderId, lines);
      switch (outcome.kind) {
        case "existing":
          if (!sameLines(outcome.reservation.lines, lines)) {
            throw alreadyExists(
              "RESERVATION_CONFLICT",
              `order ${orderId} already has a reservation with different lines`,
              "orderId",
            );
          }
          return outcome.reservation;
        case "productNotFound":
          throw productNotFound(outcome.productId, "productId");
        case "insufficient":
          stockRefusals.inc();
          throw failedPrecondition(
            "INSUFFICIENT_STOCK",
            `insufficient stock for product ${outcome.productId}`,
            "productId",
          );
        case "reserved":
          await recordEvents(
            tx,
            outcome.taken.map((after) => stockChanged(after.productId, { ...after, cause: "reserved", orderId })),
          );
          return outcome.reservation;
      }
    });
  }

  /** Gives a held reservation's stock back. Idempotent; a committed reservation cannot be released. */
  async releaseReservation(orderId: string): Promise<Reservation> {
    return this.settleReservation(requireId("orderId", orderId), "released");
  }

  /** Marks a held reservation as sold. Idempotent; a released reservation cannot be committed. */
  async commitReservation(orderId: string): Promise<Reservation> {
    return this.settleReservation(requireId("orderId", orderId), "committed");
  }

  async listReservations(input: {
    status?: ReservationStatus;
    createdBefore?: Date;
    take: number;
    afterOrderId?: string;
  }): Promise<Reservation[]> {
    if (input.createdBefore && Number.isNaN(input.createdBefore.getTime())) {
      throw invalidArgument("createdBefore", "must be a valid time");
    }
    const { take } = normalizePage({ skip: 0, take: input.take }, { defaultTake: 100, maxTake: 1000 });
    const afterOrderId = input.afterOrderId ? requireId("afterOrderId", input.afterOrderId) : undefined;
    const reservations = await repository.listReservations(this.database, {
      status: input.status,
      createdBefore: input.createdBefore,
      take,
      afterOrderId,
    });
    // An unknown cursor would read as "no more pages" and silently end a scan; it is refused instead.
    if (
      afterOrderId &&
      reservations.length === 0 &&
      !(await repository.reservationExists(this.database, afterOrderId))
    ) {
      throw invalidArgument("afterOrderId", "is not the order id of a reservation");
    }
    return reservations;
  }

  /** Stock on hand, available, held and sold: of up to 1000 given products, or of the `take` holding the most. */
  async listStockLevels(input: { productIds: readonly string[]; take: number }): Promise<StockLevel[]> {
    if (input.productIds.length > 0) {
      const productIds = requireIds("productIds", input.productIds, { max: 1000 });
      return repository.listStockLevels(this.database, { productIds, take: productIds.length });
    }
    const { take } = normalizePage({ skip: 0, take: input.take }, { defaultTake: 20, maxTake: 100 });
    return repository.listStockLevels(this.database, { take });
  }

  /** Moves a held reservation to `outcome` under its row lock; settling it again the same way changes nothing. */
  private async settleReservation(orderId: string, outcome: "released" | "committed"): Promise<Reservation> {
    return this.database.transaction(async (tx) => {
      const status = await repository.lockReservation(tx, orderId);
      if (status === undefined) {
        throw notFound("RESERVATION_NOT_FOUND", `no reservation for order ${orderId}`, "orderId");
      }
      if (status !== outcome) {
        if (status !== "held") {
          throw failedPrecondition(
            "RESERVATION_SETTLED",
            `the reservation for order ${orderId} is already ${status}`,
            "orderId",
          );
        }
        if (outcome === "released") {
          const returned = await repository.returnStock(tx, orderId);
          await recordEvents(
            tx,
            returned.map((after) => stockChanged(after.productId, { ...after, cause: "released", orderId })),
          );
        }
        await repository.setReservationStatus(tx, orderId, outcome);
      }
      return (await repository.findReservations(tx, [orderId]))[0]!;
    });
  }

  private async requireCategory(field: string, id: string): Promise<void> {
    if (!(await repository.categoryExists(this.database, id))) {
      throw notFound("CATEGORY_NOT_FOUND", `category ${id} not found`, field);
    }
  }
}

function productNotFound(id: string, field: string) {
  return notFound("PRODUCT_NOT_FOUND", `product ${id} not found`, field);
}

/** The same products in the same quantities, in any order; each list holds a product once. */
function sameLines(stored: readonly ReservationLine[], asked: readonly ReservationLine[]): boolean {
  const quantities = new Map(asked.map((line) => [line.productId, line.quantity]));
  return stored.length === asked.length && stored.every((line) => quantities.get(line.productId) === line.quantity);
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
