/** What the product service's tests share: one service per test file on a scratch database, and what they ask of it. */
import { AppError, newId, type Database, type Queryable } from "@polyscale/platform";
import type { DatabaseBackend, TestDatabase } from "@polyscale/tools/testing";
import { afterAll, beforeAll, expect } from "vitest";
import type { Product, Reservation, SearchResult } from "./model.js";
import { PostgresSearchEngine } from "./search/postgres-engine.js";
import type { CreateProductInput } from "./catalog.js";
import type { SearchInput } from "./search/search-service.js";
import { ProductService } from "./service.js";
import type { NewVariantInput } from "./variants.js";
import { migrationsDir } from "./storage.js";

/** The service under test and its database, set before the file's first test (beforeAll). */
export interface ProductTestBed {
  database: Database;
  /** Searches with PostgreSQL; prices in USD by default. */
  service: ProductService;
  /** Searches everything (any stock, unsorted, first page of the default size) unless `input` says otherwise. */
  search: (input: Partial<SearchInput>) => Promise<SearchResult>;
  /** A product of one default variant named "Limited Print", USD 15.00, with `stock` units. */
  createStockedProduct: (stock: number) => Promise<Product>;
  /**
   * A T-shirt of a variant per size × colour (sizes first), SKUs unique to this call, EUR 20.00 (L: 22.00), the
   * stock of each from `stockOf` (5 each by default).
   */
  createTShirt: (sizes: string[], colours: string[], stockOf?: () => number) => Promise<Product>;
  /** A product's stock: the units available of its variants on sale. */
  stockOf: (productId: string) => Promise<number>;
  /** A variant's units available, read from its row. */
  variantStock: (variantId: string) => Promise<number>;
  /** Units that reservations (held, committed or released) took of a product. */
  reservedUnits: (productId: string) => Promise<number>;
  /** Units that reservations (held, committed or released) took of a variant. */
  reservedUnitsOfVariant: (variantId: string) => Promise<number>;
  /** The names of the events written about a product (without "polyscale."), in outbox order. */
  eventNamesOf: (productId: string) => Promise<string[]>;
  /** Variants stored, of every product. */
  variantCount: () => Promise<number>;
}

/** Opens a ProductService over a fresh, migrated database of `backend` before the file's tests and closes it after. */
export function useProductService(backend: DatabaseBackend): ProductTestBed {
  let test: TestDatabase | undefined;
  const sumOf = async (sql: string, values: unknown[]) =>
    (await bed.database.query<{ total: number }>(sql, values)).rows[0]!.total;
  const bed: ProductTestBed = {
    database: undefined as unknown as Database,
    service: undefined as unknown as ProductService,
    search: (input) =>
      bed.service.searchProducts({
        query: "",
        categoryIds: [],
        inStockOnly: false,
        skip: 0,
        take: 0,
        ...input,
      }),
    createStockedProduct: (stock) =>
      bed.service.createProduct({
        name: "Limited Print",
        description: "",
        priceCents: 1500,
        currency: "USD",
        categoryId: "",
        stock,
      }),
    createTShirt: (sizes, colours, stockOf = () => 5) => {
      const tag = newId().slice(-12).toUpperCase();
      const variants: NewVariantInput[] = sizes.flatMap((size) =>
        colours.map((colour) => ({
          sku: `TS-${tag}-${size}-${colour}`,
          options: [
            { name: "Size", value: size },
            { name: "Colour", value: colour },
          ],
          priceCents: size === "L" ? 2200 : 2000,
          currency: "EUR",
          stock: stockOf(),
        })),
      );
      return bed.service.createProduct({
        name: "T-shirt",
        description: "Cotton",
        priceCents: 0,
        currency: "",
        categoryId: "",
        stock: 0,
        variants,
      });
    },
    stockOf: async (productId) => (await bed.service.getProduct(productId)).stock,
    variantStock: (variantId) => variantStockOf(bed.database, variantId),
    reservedUnits: (productId) =>
      sumOf("SELECT coalesce(sum(quantity), 0)::int AS total FROM reservation_lines WHERE product_id = $1", [
        productId,
      ]),
    reservedUnitsOfVariant: (variantId) =>
      sumOf("SELECT coalesce(sum(quantity), 0)::int AS total FROM reservation_lines WHERE variant_id = $1", [
        variantId,
      ]),
    eventNamesOf: async (productId) => (await outboxEventsOf(bed.database, productId)).map((event) => event.name),
    variantCount: () => sumOf("SELECT count(*)::int AS total FROM product_variants", []),
  };

  beforeAll(async () => {
    test = await backend.open(migrationsDir);
    bed.database = test.database;
    bed.service = new ProductService({
      database: test.database,
      searchEngine: new PostgresSearchEngine({ database: test.database }),
      defaultCurrency: "USD",
    });
  });
  afterAll(async () => {
    await test?.close();
  });

  return bed;
}

/** A valid create request of the old way (one default variant): a desk lamp, 29.99 in the default currency, 4 units. */
export const validProduct: CreateProductInput = {
  name: "Desk Lamp",
  description: "A lamp for the desk.",
  priceCents: 2999,
  currency: "",
  categoryId: "",
  stock: 4,
};

/** A create request for a product named "Shape" made of `variants` (none: the old way's default) and `attributes`. */
export const tShirtInput = (variants: NewVariantInput[], attributes?: Array<{ name: string; value: string }>) => ({
  name: "Shape",
  description: "",
  priceCents: 0,
  currency: "",
  categoryId: "",
  stock: 0,
  variants,
  attributes,
});

/** A variant of SKU `sku`, options Size (and Colour when given), price 100 in the default currency, 1 unit. */
export const sizeColour = (sku: string, size: string, colour?: string): NewVariantInput => ({
  sku,
  options: [{ name: "Size", value: size }, ...(colour === undefined ? [] : [{ name: "Colour", value: colour }])],
  priceCents: 100,
  currency: "",
  stock: 1,
});

/** The AppError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** The events written about a product, in outbox order: outbox id, name (without "polyscale.") and data. */
export async function outboxEventsOf(
  db: Queryable,
  productId: string,
): Promise<Array<{ id: number; name: string; data: Record<string, unknown> }>> {
  const result = await db.query<{ id: number; subject: string; body: string }>(
    "SELECT id, subject, body FROM event_outbox WHERE aggregate_id = $1 ORDER BY id",
    [productId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    name: row.subject.replace("polyscale.", ""),
    data: (JSON.parse(row.body) as { data: Record<string, unknown> }).data,
  }));
}

/** A variant's units available, read from its row. */
async function variantStockOf(db: Queryable, variantId: string): Promise<number> {
  const result = await db.query<{ stock: number }>("SELECT stock FROM product_variants WHERE id = $1", [variantId]);
  return result.rows[0]!.stock;
}

/**
 * Races an archive against reservations: 10 made before it, 80 racing it (60 started before it, 20 just after), 10
 * after it returned. Checks that the first 10 were made, the last 10 refused, and every refusal FAILED_PRECONDITION
 * `reason`; returns the reservations made and, per variant, the units they hold.
 */
export async function raceReservationsWithArchive(
  reserve: (index: number) => Promise<Reservation>,
  archive: () => Promise<unknown>,
  reason: "PRODUCT_ARCHIVED" | "VARIANT_ARCHIVED",
): Promise<{ reserved: Reservation[]; unitsOf: (variantId: string) => number }> {
  const early = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => reserve(index)));
  const racing = Array.from({ length: 60 }, (_, index) => reserve(index));
  const archived = archive();
  const racingMore = Array.from({ length: 20 }, (_, index) => reserve(index));
  const [settled] = await Promise.all([Promise.allSettled([...racing, ...racingMore]), archived]);
  const late = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => reserve(index)));
  expect(early.every((outcome) => outcome.status === "fulfilled")).toBe(true);
  expect(late.every((outcome) => outcome.status === "rejected")).toBe(true);
  const outcomes = [...early, ...settled, ...late];
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason });
  }
  const reserved = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
  const unitsOf = (variantId: string) =>
    reserved.reduce(
      (sum, reservation) => sum + (reservation.lines.find((line) => line.variantId === variantId)?.quantity ?? 0),
      0,
    );
  return { reserved, unitsOf };
}
