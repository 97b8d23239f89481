/**
 * What the order service's tests share: per test file, a running account and product service, an order service on a
 * scratch database, and the helpers that create accounts and products and read stock and reservations.
 */
import { ReservationStatus } from "@polyscale/product";
import { createLogger, newId, type Database, type RequestContext } from "@polyscale/platform";
import type { DatabaseBackend, TestDatabase } from "@polyscale/tools/testing";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import type { OrderPolicy } from "./limits.js";
import type { Order } from "./model.js";
import { Reconciler, type ReconcileResult } from "./reconciler.js";
import { OrderService } from "./service.js";
import {
  createTestAccount,
  createTestProduct,
  startTestServices,
  stockOf,
  type TestServices,
} from "./test-dependencies.js";

const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));
const logger = createLogger("order-test", "silent");

/** Limits no test of other rules runs into; the hold limits have tests of their own. */
const generousPolicy: OrderPolicy = {
  paymentWindowSeconds: 1800,
  maxUnpaidOrdersPerAccount: 1000,
  maxHeldUnitsPerProduct: 10_000,
};

/** A fresh request context with a deadline 10 s away. */
export function context(): RequestContext {
  return { requestId: newId(), deadline: new Date(Date.now() + 10_000), logger };
}

/** The systems under test, set before the file's first test (beforeAll), and helpers that read them when called. */
export interface OrderTestBed {
  /** The account and product services the order service calls. */
  services: TestServices;
  database: Database;
  /** An order service with `generousPolicy` and a default wait of 5000 ms. */
  orders: OrderService;
  /** An order service over the test database with some of the shop's rules changed. */
  withPolicy: (policy: Partial<OrderPolicy>) => OrderService;
  /** One reconciler run; reservations younger than the timeout (seconds, 300 unless given) are left alone. */
  reconcile: (reservationTimeoutSeconds?: number) => Promise<ReconcileResult>;
  /** The id of a new customer account. */
  newAccount: () => Promise<string>;
  /** The id of a new product priced `priceCents` (minor units) in `currency` (USD unless given) with `stock` units. */
  newProduct: (priceCents: number, stock: number, currency?: string) => Promise<string>;
  /**
   * A new variant of `productId` (SKU `sku`, priced `priceCents` in `currency`, USD unless given, with `stock` units
   * and the given option values); returns its id.
   */
  newVariant: (
    productId: string,
    fields: { sku: string; priceCents: number; stock: number; currency?: string; options?: Record<string, string> },
  ) => Promise<string>;
  /**
   * A T-shirt: its default variant (USD 10.00, `stocks.base` units) and two sized ones with their own SKU (tagged
   * `tag`), price and stock: M red (USD 12.00, `stocks.m`) and L red (USD 13.00, `stocks.l`); returns their ids.
   */
  newTShirt: (stocks?: { base: number; m: number; l: number }) => Promise<{
    productId: string;
    m: string;
    l: string;
    tag: string;
  }>;
  /** The available stock of each of the product's variants, in the order given (the default variant's id is its product's). */
  variantStock: (productId: string, ...variantIds: string[]) => Promise<number[]>;
  /** The available stock of each product, in the order given. */
  stock: (...ids: string[]) => Promise<number[]>;
  /** The number of orders stored, over all accounts. */
  orderCount: () => Promise<number>;
  /** The order ids of the product service's reservations in `status`, at most 1000. */
  reservations: (status: ReservationStatus) => Promise<string[]>;
  heldReservations: () => Promise<string[]>;
  /** Places an order through `orders`, without an idempotency key unless given. */
  place: (
    accountId: string,
    lines: Array<{ productId: string; quantity: number }>,
    idempotencyKey?: string,
  ) => Promise<Order>;
}

/**
 * Starts an account and a product service and opens a scratch database of `backend` with the order migrations before
 * the file's tests; stops and closes them after.
 */
export function useOrderService(backend: DatabaseBackend): OrderTestBed {
  let testDatabase: TestDatabase | undefined;
  const bed: OrderTestBed = {
    services: undefined as unknown as TestServices,
    database: undefined as unknown as Database,
    orders: undefined as unknown as OrderService,
    withPolicy: (policy) =>
      new OrderService({
        database: bed.database,
        accounts: bed.services.accounts,
        products: bed.services.products,
        defaultWaitMs: 5000,
        policy: { ...generousPolicy, ...policy },
        guestCartTtlSeconds: 3600,
        maxConcurrentPlacements: 8,
      }),
    reconcile: (reservationTimeoutSeconds = 300) =>
      new Reconciler({
        database: bed.database,
        products: bed.services.products,
        logger,
        reservationTimeoutSeconds,
        intervalMs: 1000,
      }).reconcileOnce(),
    newAccount: () => createTestAccount(bed.services.accounts),
    newProduct: (priceCents, stock, currency = "USD") =>
      createTestProduct(bed.services.products, { priceCents, stock, currency }),
    newVariant: async (productId, { options = {}, currency = "USD", ...fields }) => {
      const { variant } = await bed.services.products.addVariant({
        productId,
        variant: {
          ...fields,
          currency,
          options: Object.entries(options).map(([name, value]) => ({ name, value })),
        },
      });
      return variant!.id;
    },
    newTShirt: async (stocks = { base: 5, m: 3, l: 4 }) => {
      const productId = await bed.newProduct(1000, stocks.base);
      const tag = newId().slice(-8).toUpperCase();
      const m = await bed.newVariant(productId, {
        sku: `TS-M-${tag}`,
        priceCents: 1200,
        stock: stocks.m,
        options: { Size: "M", Colour: "red" },
      });
      const l = await bed.newVariant(productId, {
        sku: `TS-L-${tag}`,
        priceCents: 1300,
        stock: stocks.l,
        options: { Size: "L", Colour: "red" },
      });
      return { productId, m, l, tag };
    },
    variantStock: async (productId, ...variantIds) => {
      const { products } = await bed.services.products.getProducts({ ids: [productId] });
      const variants = products[0]?.variants ?? [];
      return variantIds.map((id) => variants.find((variant) => variant.id === id)?.stock ?? Number.NaN);
    },
    stock: (...ids) => stockOf(bed.services.products, ids),
    orderCount: async () => Number((await bed.database.query("SELECT count(*) AS n FROM orders")).rows[0]!.n),
    reservations: async (status) =>
      (
        await bed.services.products.listReservations({ status, createdBefore: undefined, take: 1000, afterOrderId: "" })
      ).reservations.map((reservation) => reservation.orderId),
    heldReservations: () => bed.reservations(ReservationStatus.RESERVATION_STATUS_HELD),
    place: (accountId, lines, idempotencyKey = "") =>
      bed.orders.placeOrder(context(), { accountId, lines, idempotencyKey }),
  };

  beforeAll(async () => {
    [bed.services, testDatabase] = await Promise.all([
      startTestServices({ backend: backend.name }),
      backend.open(migrationsDir),
    ]);
    bed.database = testDatabase.database;
    bed.orders = bed.withPolicy({});
  });

  afterAll(async () => {
    await bed.services?.close();
    await testDatabase?.close();
  });

  return bed;
}
