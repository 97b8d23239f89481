import { ReservationStatus } from "@polyscale/product";
import { createLogger, newId, type Database, type RequestContext } from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/platform/testing";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Reconciler } from "./reconciler.js";
import * as repository from "./repository.js";
import type { OrderPolicy } from "./limits.js";
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

function context(): RequestContext {
  return { requestId: newId(), deadline: new Date(Date.now() + 10_000), logger };
}

describe.each(databaseBackends())("OrderService on $name", (backend) => {
  let services: TestServices;
  let testDatabase: TestDatabase;
  let database: Database;
  let orders: OrderService;

  beforeAll(async () => {
    [services, testDatabase] = await Promise.all([
      startTestServices({ backend: backend.name }),
      backend.open(migrationsDir),
    ]);
    database = testDatabase.database;
    orders = withPolicy({});
  });

  /** An order service over the test database with some of the shop's rules changed. */
  const withPolicy = (policy: Partial<OrderPolicy>) =>
    new OrderService({
      database,
      accounts: services.accounts,
      products: services.products,
      defaultWaitMs: 5000,
      policy: { ...generousPolicy, ...policy },
    });
  /** One reconciler run; reservations younger than the timeout are left alone. */
  const reconcile = (reservationTimeoutSeconds = 300) =>
    new Reconciler({
      database,
      products: services.products,
      logger,
      reservationTimeoutSeconds,
      intervalMs: 1000,
    }).reconcileOnce();

  afterAll(async () => {
    await services?.close();
    await testDatabase?.close();
  });

  const newAccount = () => createTestAccount(services.accounts);
  const newProduct = (priceCents: number, stock: number, currency = "USD") =>
    createTestProduct(services.products, { priceCents, stock, currency });
  const stock = (...ids: string[]) => stockOf(services.products, ids);
  const orderCount = async () => Number((await database.query("SELECT count(*) AS n FROM orders")).rows[0]!.n);
  const reservations = async (status: ReservationStatus) =>
    (
      await services.products.listReservations({ status, createdBefore: undefined, take: 1000, afterOrderId: "" })
    ).reservations.map((reservation) => reservation.orderId);
  const heldReservations = () => reservations(ReservationStatus.RESERVATION_STATUS_HELD);
  const place = (accountId: string, lines: Array<{ productId: string; quantity: number }>, idempotencyKey = "") =>
    orders.placeOrder(context(), accountId, lines, idempotencyKey);

  describe("placing orders", () => {
    it("stores a snapshot of each line and the total in cents, and reserves the stock", async () => {
      const accountId = await newAccount();
      const [mug, tea] = [await newProduct(1250, 10), await newProduct(399, 5)];
      const order = await place(accountId, [
        { productId: mug, quantity: 2 },
        { productId: tea, quantity: 3 },
      ]);
      expect(order).toMatchObject({
        accountId,
        status: "PENDING_PAYMENT",
        currency: "USD",
        totalCents: 2 * 1250 + 3 * 399,
        payments: [],
        lines: [
          {
            productId: mug,
            name: "Test product",
            description: "for order tests",
            unitPriceCents: 1250,
            quantity: 2,
            lineTotalCents: 2500,
          },
          { productId: tea, unitPriceCents: 399, quantity: 3, lineTotalCents: 1197 },
        ],
      });
      expect(await stock(mug, tea)).toEqual([8, 2]);
      expect(await heldReservations()).toContain(order.id);
      expect(await orders.getOrder(order.id)).toEqual(order);
    });

    it("keeps the snapshot when the catalog price changes later", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(1000, 3);
      const order = await place(accountId, [{ productId, quantity: 1 }]);
      await services.products.updateProduct({ id: productId, priceCents: 5000 });
      expect((await orders.getOrder(order.id)).lines[0]!.unitPriceCents).toBe(1000);
    });

    it("merges lines that name one product", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const order = await place(accountId, [
        { productId, quantity: 2 },
        { productId, quantity: 3 },
      ]);
      expect(order.lines).toHaveLength(1);
      expect(order.lines[0]).toMatchObject({ quantity: 5, lineTotalCents: 500 });
      expect(order.totalCents).toBe(500);
      expect(await stock(productId)).toEqual([5]);
    });

    it.each([
      ["accountId", { accountId: "nope" }],
      ["lines", { lines: [] }],
      ["productId", { lines: [{ productId: "not-an-id", quantity: 1 }] }],
      ["quantity", { lines: [{ productId: newId(), quantity: 0 }] }],
      ["quantity", { lines: [{ productId: newId(), quantity: 1001 }] }],
      ["quantity", { lines: [{ productId: newId(), quantity: 1.5 }] }],
      ["lines", { lines: Array.from({ length: 101 }, () => ({ productId: newId(), quantity: 1 })) }],
      ["idempotencyKey", { idempotencyKey: "k".repeat(201) }],
    ])("refuses bad input naming %s, writing nothing", async (field, override) => {
      const request = { accountId: newId(), lines: [{ productId: newId(), quantity: 1 }], idempotencyKey: "" };
      const { accountId, lines, idempotencyKey } = { ...request, ...override };
      const before = await orderCount();
      await expect(place(accountId, lines, idempotencyKey)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field });
      expect(await orderCount()).toBe(before);
    });

    it("refuses merged lines above 1000 units of one product", async () => {
      const productId = newId();
      await expect(
        place(newId(), [
          { productId, quantity: 600 },
          { productId, quantity: 401 },
        ]),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "quantity" });
    });

    it("refuses an order when stock is short, leaving no reservation and the stock as it was", async () => {
      const accountId = await newAccount();
      const [plenty, scarce] = [await newProduct(100, 50), await newProduct(100, 2)];
      const [ordersBefore, heldBefore] = [await orderCount(), await heldReservations()];
      await expect(
        place(accountId, [
          { productId: plenty, quantity: 5 },
          { productId: scarce, quantity: 3 },
        ]),
      ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", field: "productId" });
      expect(await stock(plenty, scarce)).toEqual([50, 2]);
      expect(await orderCount()).toBe(ordersBefore);
      expect(await heldReservations()).toEqual(heldBefore);
    });

    it("refuses an unknown account or product with NOT_FOUND and writes nothing", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const before = await orderCount();
      const unknownAccount = newId();
      await expect(place(unknownAccount, [{ productId, quantity: 1 }], "key-a")).rejects.toMatchObject({
        code: "NOT_FOUND",
        field: "accountId",
      });
      const unknownProduct = newId();
      const lines = [
        { productId, quantity: 1 },
        { productId: unknownProduct, quantity: 1 },
      ];
      const refusal = place(accountId, lines, "key-p");
      await expect(refusal).rejects.toMatchObject({ code: "NOT_FOUND", field: "productId" });
      await expect(refusal).rejects.toThrow(unknownProduct);
      expect(await orderCount()).toBe(before);
      expect(await stock(productId)).toEqual([10]);
      expect(await repository.findIdempotencyClaim(database, accountId, "key-p")).toBeUndefined();
    });

    it("refuses products of different currencies in one order", async () => {
      const accountId = await newAccount();
      const [dollars, euros] = [await newProduct(100, 10, "USD"), await newProduct(100, 10, "EUR")];
      await expect(
        place(accountId, [
          { productId: dollars, quantity: 1 },
          { productId: euros, quantity: 1 },
        ]),
      ).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      expect(await stock(dollars, euros)).toEqual([10, 10]);
    });

    it("never oversells when 100 orders race for 5 hot products", async () => {
      const hot = await Promise.all(Array.from({ length: 5 }, () => newProduct(100, 40)));
      const buyers = await Promise.all(Array.from({ length: 10 }, () => newAccount()));
      const requests = Array.from({ length: 100 }, (_, i) => ({
        accountId: buyers[i % buyers.length]!,
        lines: [
          { productId: hot[i % 5]!, quantity: 1 + (i % 3) },
          { productId: hot[(i + 2) % 5]!, quantity: 1 },
        ],
      }));
      const results = await Promise.allSettled(requests.map((request) => place(request.accountId, request.lines)));
      const placed = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "FAILED_PRECONDITION" });
      }
      expect(placed.length).toBeGreaterThan(0);
      const final = await stock(...hot);
      hot.forEach((productId, index) => {
        const sold = placed.flatMap((order) => order.lines).filter((line) => line.productId === productId);
        expect(final[index]).toBeGreaterThanOrEqual(0);
        expect(40 - final[index]!).toBe(sold.reduce((sum, line) => sum + line.quantity, 0));
      });
    });
  });

  describe("idempotency keys", () => {
    it("returns the same order for a retry and takes the stock once", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(700, 10);
      const lines = [{ productId, quantity: 2 }];
      const first = await place(accountId, lines, "retry-1");
      const again = await place(accountId, lines, "retry-1");
      expect(again).toEqual(first);
      expect(await stock(productId)).toEqual([8]);
    });

    it("makes one order of 20 concurrent requests with one key", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(700, 100);
      const lines = [{ productId, quantity: 3 }];
      const results = await Promise.all(Array.from({ length: 20 }, () => place(accountId, lines, "burst")));
      expect(new Set(results.map((order) => order.id)).size).toBe(1);
      expect(await orders.listOrders(accountId, { skip: 0, take: 0 })).toHaveLength(1);
      expect(await stock(productId)).toEqual([97]);
    });

    it("refuses one key for a different request with ALREADY_EXISTS", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(700, 10);
      await place(accountId, [{ productId, quantity: 1 }], "same-key");
      await expect(place(accountId, [{ productId, quantity: 2 }], "same-key")).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
        field: "idempotencyKey",
      });
      expect(await stock(productId)).toEqual([9]);
    });

    it("lets a key be used again after its request failed", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(700, 1);
      const lines = [{ productId, quantity: 2 }];
      await expect(place(accountId, lines, "after-failure")).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
      });
      await services.products.adjustStock({ productId, delta: 1 });
      const order = await place(accountId, lines, "after-failure");
      expect(order.lines[0]!.quantity).toBe(2);
      expect(await stock(productId)).toEqual([0]);
    });
  });

  describe("cart and checkout", () => {
    it("refuses a product of another currency at add time and stores nothing, even when adds race", async () => {
      // Seen: the cart showed total 0 and checkout failed late.
      const accountId = await newAccount();
      const [dollars, yen] = [await newProduct(250, 10), await newProduct(1000, 10, "JPY")];
      await orders.addCartItem(context(), accountId, { productId: dollars, quantity: 1 });
      await expect(orders.addCartItem(context(), accountId, { productId: yen, quantity: 1 })).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "CURRENCY_MISMATCH",
        field: "productId",
      });
      expect((await orders.getCart(context(), accountId)).lines.map((line) => line.productId)).toEqual([dollars]);

      const racer = await newAccount();
      const results = await Promise.allSettled([
        orders.addCartItem(context(), racer, { productId: dollars, quantity: 1 }),
        orders.addCartItem(context(), racer, { productId: yen, quantity: 1 }),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
      const cart = await orders.getCart(context(), racer);
      expect(cart.lines).toHaveLength(1);
    });

    it("shows current names, prices and stock, and totals in cents", async () => {
      const accountId = await newAccount();
      const [a, b] = [await newProduct(250, 10), await newProduct(1000, 1)];
      await orders.addCartItem(context(), accountId, { productId: a, quantity: 4 });
      const cart = await orders.addCartItem(context(), accountId, { productId: b, quantity: 2 });
      expect(cart).toMatchObject({
        accountId,
        currency: "USD",
        totalCents: 4 * 250 + 2 * 1000,
        lines: [
          { productId: a, quantity: 4, unitPriceCents: 250, lineTotalCents: 1000, inStock: true, availableStock: 10 },
          { productId: b, quantity: 2, unitPriceCents: 1000, lineTotalCents: 2000, inStock: false, availableStock: 1 },
        ],
      });
      await services.products.updateProduct({ id: a, priceCents: 300 });
      expect((await orders.getCart(context(), accountId)).lines[0]!.unitPriceCents).toBe(300);
    });

    it("adds to an existing line and keeps every line within 1..1000", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      await orders.addCartItem(context(), accountId, { productId, quantity: 600 });
      const full = await orders.addCartItem(context(), accountId, { productId, quantity: 400 });
      expect(full.lines[0]!.quantity).toBe(1000);
      await expect(orders.addCartItem(context(), accountId, { productId, quantity: 1 })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "quantity",
      });
      await expect(orders.setCartItemQuantity(context(), accountId, { productId, quantity: 0 })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "quantity",
      });
      expect((await orders.getCart(context(), accountId)).lines[0]!.quantity).toBe(1000);
      const set = await orders.setCartItemQuantity(context(), accountId, { productId, quantity: 7 });
      expect(set.lines[0]!.quantity).toBe(7);
    });

    it("refuses an unknown product with NOT_FOUND", async () => {
      const accountId = await newAccount();
      await expect(orders.addCartItem(context(), accountId, { productId: newId(), quantity: 1 })).rejects.toMatchObject(
        { code: "NOT_FOUND", field: "productId" },
      );
      expect((await orders.getCart(context(), accountId)).lines).toEqual([]);
    });

    it("counts every one of 20 concurrent adds", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      await Promise.all(
        Array.from({ length: 20 }, () => orders.addCartItem(context(), accountId, { productId, quantity: 1 })),
      );
      expect((await orders.getCart(context(), accountId)).lines[0]!.quantity).toBe(20);
    });

    // Seen: from line 1,001 every cart call failed on a field the client never sent, yet the line was stored and the
    // cart could no longer be read.
    it("holds at most 100 distinct products even when adds race, stores nothing beyond and stays readable", async () => {
      const accountId = await newAccount();
      const products = await Promise.all(Array.from({ length: 110 }, () => newProduct(100, 10)));
      const outcomes = await Promise.allSettled(
        products.map((productId) => orders.addCartItem(context(), accountId, { productId, quantity: 1 })),
      );
      const refused = outcomes.filter((outcome) => outcome.status === "rejected");
      expect(refused).toHaveLength(10);
      for (const outcome of refused) {
        expect(outcome.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason: "CART_FULL", field: "productId" });
      }
      const cart = await orders.getCart(context(), accountId);
      expect(cart.lines).toHaveLength(100);
      const outside = products.find((productId) => !cart.lines.some((line) => line.productId === productId))!;
      await expect(
        orders.setCartItemQuantity(context(), accountId, { productId: outside, quantity: 1 }),
      ).rejects.toMatchObject({ reason: "CART_FULL" });
      // Lines already in the full cart still change, and the cart still checks out.
      const inside = cart.lines[0]!.productId;
      expect((await orders.addCartItem(context(), accountId, { productId: inside, quantity: 2 })).lines).toHaveLength(
        100,
      );
      const count = await database.query("SELECT count(*)::int AS n FROM cart_items WHERE account_id = $1", [
        accountId,
      ]);
      expect(count.rows[0]!.n).toBe(100);
      await orders.checkout(context(), accountId, newId());
      expect((await orders.getCart(context(), accountId)).lines).toEqual([]);
    });

    it("removes a line and clears the cart", async () => {
      const accountId = await newAccount();
      const [a, b] = [await newProduct(100, 10), await newProduct(100, 10)];
      await orders.addCartItem(context(), accountId, { productId: a, quantity: 1 });
      await orders.addCartItem(context(), accountId, { productId: b, quantity: 1 });
      expect((await orders.removeCartItem(context(), accountId, a)).lines.map((line) => line.productId)).toEqual([b]);
      expect(await orders.clearCart(context(), accountId)).toEqual({
        accountId,
        lines: [],
        totalCents: 0,
        currency: "",
        updatedAt: undefined,
      });
    });

    it("places an order from the cart and empties it in the same transaction", async () => {
      const accountId = await newAccount();
      const [a, b] = [await newProduct(150, 10), await newProduct(275, 10)];
      await orders.addCartItem(context(), accountId, { productId: a, quantity: 2 });
      await orders.addCartItem(context(), accountId, { productId: b, quantity: 1 });
      const order = await orders.checkout(context(), accountId, "checkout-1");
      expect(order.totalCents).toBe(2 * 150 + 275);
      expect(order.lines.map((line) => [line.productId, line.quantity])).toEqual([
        [a, 2],
        [b, 1],
      ]);
      expect((await orders.getCart(context(), accountId)).lines).toEqual([]);
      expect(await stock(a, b)).toEqual([8, 9]);
      // A retry after success returns the same order although the cart is empty now.
      expect((await orders.checkout(context(), accountId, "checkout-1")).id).toBe(order.id);
      await expect(orders.checkout(context(), accountId, "")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    });

    it("turns one cart into one order when checkouts race", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 100);
      await orders.addCartItem(context(), accountId, { productId, quantity: 5 });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => orders.checkout(context(), accountId, "")),
      );
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      expect(await orders.listOrders(accountId, { skip: 0, take: 0 })).toHaveLength(1);
      // The losers gave their reservations back.
      expect(await stock(productId)).toEqual([95]);
    });
  });

  describe("order lifecycle and payments", () => {
    async function pendingOrder(priceCents = 1000, quantity = 2) {
      const accountId = await newAccount();
      const productId = await newProduct(priceCents, 10);
      const order = await place(accountId, [{ productId, quantity }]);
      return { accountId, productId, order };
    }
    const pay = (kind: "CAPTURE" | "REFUND", orderId: string, amountCents: number, providerReference: string) =>
      orders.recordPayment(context(), {
        orderId,
        kind,
        amountCents,
        currency: "USD",
        provider: "stripe",
        providerReference,
      });
    const capture = (orderId: string, amountCents: number, reference: string) =>
      pay("CAPTURE", orderId, amountCents, reference);
    const refund = (orderId: string, amountCents: number, reference: string) =>
      pay("REFUND", orderId, amountCents, reference);

    it("cancels a pending order and gives its stock back", async () => {
      const { productId, order } = await pendingOrder();
      expect(await stock(productId)).toEqual([8]);
      expect((await orders.cancelOrder(context(), order.id)).status).toBe("CANCELLED");
      expect(await stock(productId)).toEqual([10]);
      expect(await heldReservations()).not.toContain(order.id);
      await expect(orders.cancelOrder(context(), order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        message: "cannot move order from CANCELLED to CANCELLED",
      });
    });

    it("lets exactly one of two concurrent cancels win", async () => {
      const { productId, order } = await pendingOrder();
      const results = await Promise.allSettled([
        orders.cancelOrder(context(), order.id),
        orders.cancelOrder(context(), order.id),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(await stock(productId)).toEqual([10]);
    });

    it("refuses transitions the state machine does not allow", async () => {
      const { order } = await pendingOrder();
      await expect(orders.markFulfilled(context(), order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        message: "cannot move order from PENDING_PAYMENT to FULFILLED",
      });
      await expect(refund(order.id, 100, newId())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await expect(orders.cancelOrder(context(), newId())).rejects.toMatchObject({ code: "NOT_FOUND", field: "id" });
      expect((await orders.getOrder(order.id)).status).toBe("PENDING_PAYMENT");
    });

    it("becomes PAID when captures cover the total, and commits the reservation", async () => {
      const { productId, order } = await pendingOrder(1000, 2);
      const partial = await capture(order.id, 500, "cap-1-" + order.id);
      expect(partial.status).toBe("PENDING_PAYMENT");
      const paid = await capture(order.id, 1500, "cap-2-" + order.id);
      expect(paid.status).toBe("PAID");
      expect(paid.payments.map((payment) => [payment.kind, payment.amountCents])).toEqual([
        ["CAPTURE", 500],
        ["CAPTURE", 1500],
      ]);
      expect(await heldReservations()).not.toContain(order.id);
      expect(await reservations(ReservationStatus.RESERVATION_STATUS_COMMITTED)).toContain(order.id);
      expect(await stock(productId)).toEqual([8]);
      await expect(orders.cancelOrder(context(), order.id)).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await expect(capture(order.id, 1, newId())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      expect((await orders.markFulfilled(context(), order.id)).status).toBe("FULFILLED");
    });

    it("refuses a capture beyond what is outstanding and records nothing", async () => {
      const { order } = await pendingOrder(1000, 2);
      await expect(capture(order.id, 2001, "over-" + order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "CAPTURE_EXCEEDS_OUTSTANDING",
        field: "amountCents",
      });
      await capture(order.id, 1500, "part-" + order.id);
      await expect(capture(order.id, 501, "rest-" + order.id)).rejects.toMatchObject({
        reason: "CAPTURE_EXCEEDS_OUTSTANDING",
      });
      const after = await orders.getOrder(order.id);
      expect(after.status).toBe("PENDING_PAYMENT");
      expect(after.payments.map((payment) => payment.amountCents)).toEqual([1500]);
    });

    it("lets concurrent captures together take no more than the total", async () => {
      const { order } = await pendingOrder(1000, 2);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => capture(order.id, 300, `race-${i}-${order.id}`)),
      );
      const accepted = results.filter((result) => result.status === "fulfilled").length;
      expect(accepted).toBe(6);
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "FAILED_PRECONDITION" });
      }
      const after = await orders.getOrder(order.id);
      const captured = after.payments.reduce((sum, payment) => sum + payment.amountCents, 0);
      expect(captured).toBe(1800);
      expect(captured).toBeLessThanOrEqual(after.totalCents);
    });

    it("refuses a refund beyond what was captured with its reason", async () => {
      const { order } = await pendingOrder(1000, 1);
      await capture(order.id, 1000, "cap-" + order.id);
      await expect(refund(order.id, 50_000, "ref-" + order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "REFUND_EXCEEDS_CAPTURED",
      });
      expect((await orders.getOrder(order.id)).payments).toHaveLength(1);
    });

    it("treats a replayed payment as harmless", async () => {
      const { order } = await pendingOrder(1000, 1);
      const reference = "replay-" + order.id;
      const first = await capture(order.id, 1000, reference);
      const replays = await Promise.all(Array.from({ length: 5 }, () => capture(order.id, 1000, reference)));
      for (const replay of replays) expect(replay).toEqual(first);
      expect(first.payments).toHaveLength(1);
      await expect(capture(order.id, 999, reference)).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
        field: "providerReference",
      });
    });

    it("refunds up to what was captured and becomes REFUNDED when all of it is back", async () => {
      const { order } = await pendingOrder(1000, 3);
      await capture(order.id, 3000, "cap-" + order.id);
      await expect(refund(order.id, 3001, "too-much-" + order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        field: "amountCents",
      });
      expect((await refund(order.id, 1000, "ref-1-" + order.id)).status).toBe("PAID");
      const refunded = await refund(order.id, 2000, "ref-2-" + order.id);
      expect(refunded.status).toBe("REFUNDED");
      const refunds = refunded.payments.filter((payment) => payment.kind === "REFUND");
      expect(refunds.map((payment) => payment.amountCents)).toEqual([1000, 2000]);
      await expect(refund(order.id, 1, newId())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    });

    it.each([
      ["kind", { kind: "UNSPECIFIED" as const }],
      ["amountCents", { amountCents: 0 }],
      ["amountCents", { amountCents: -5 }],
      ["currency", { currency: "dollars" }],
      ["currency", { currency: "EUR" }],
      ["provider", { provider: " " }],
      ["providerReference", { providerReference: "" }],
    ])("refuses a payment with a bad %s and records nothing", async (field, override) => {
      const { order } = await pendingOrder(1000, 1);
      await expect(
        orders.recordPayment(context(), {
          orderId: order.id,
          kind: "CAPTURE",
          amountCents: 1000,
          currency: "USD",
          provider: "stripe",
          providerReference: newId(),
          ...override,
        }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field });
      expect(await orders.getOrder(order.id)).toEqual(order);
    });
  });

  describe("payment window", () => {
    const sweep = () => reconcile();
    const capture = (service: OrderService, orderId: string, amountCents: number) =>
      service.recordPayment(context(), {
        orderId,
        kind: "CAPTURE",
        amountCents,
        currency: "USD",
        provider: "stripe",
        providerReference: newId(),
      });

    it("gives an unpaid order a due time and expires it after the window, returning its stock", async () => {
      // Seen: an unpaid order for all 1,000 units still held them 12 minutes later; nothing ever expired it.
      const shortWindow = withPolicy({ paymentWindowSeconds: 1 });
      const productId = await newProduct(100, 10);
      const order = await shortWindow.placeOrder(context(), await newAccount(), [{ productId, quantity: 4 }], "");
      expect(order.paymentDueAt!.getTime() - order.createdAt.getTime()).toBeCloseTo(1000, -2);
      const notDue = await orders.placeOrder(context(), await newAccount(), [{ productId, quantity: 1 }], "");
      expect(await stock(productId)).toEqual([5]);
      await sleep(1100);
      expect((await sweep()).expired).toBeGreaterThanOrEqual(1);
      expect((await orders.getOrder(order.id)).status).toBe("EXPIRED");
      expect((await orders.getOrder(notDue.id)).status).toBe("PENDING_PAYMENT");
      expect(await stock(productId)).toEqual([9]);
      expect(await heldReservations()).not.toContain(order.id);
      await expect(orders.cancelOrder(context(), order.id)).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    });

    it("refuses a payment after expiry, records nothing and says to refund it", async () => {
      // Seen: a late capture would have been accepted on an order whose stock was gone.
      const shortWindow = withPolicy({ paymentWindowSeconds: 1 });
      const productId = await newProduct(250, 10);
      const order = await shortWindow.placeOrder(context(), await newAccount(), [{ productId, quantity: 2 }], "");
      await sleep(1100);
      await sweep();
      await expect(capture(orders, order.id, 500)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "ORDER_EXPIRED",
        field: "orderId",
        message: expect.stringContaining("refund it") as unknown,
      });
      const after = await orders.getOrder(order.id);
      expect(after.status).toBe("EXPIRED");
      expect(after.payments).toEqual([]);
      expect(await stock(productId)).toEqual([10]);
    });

    it("refuses a capture that arrives after the window even before any sweep, and expires the order", async () => {
      const shortWindow = withPolicy({ paymentWindowSeconds: 1 });
      const productId = await newProduct(250, 10);
      const order = await shortWindow.placeOrder(context(), await newAccount(), [{ productId, quantity: 2 }], "");
      await sleep(1100);
      await expect(capture(orders, order.id, 500)).rejects.toMatchObject({ reason: "ORDER_EXPIRED" });
      expect((await orders.getOrder(order.id)).status).toBe("EXPIRED");
      expect(await stock(productId)).toEqual([10]);
      expect((await sweep()).expired).toBe(0);
      expect(await stock(productId)).toEqual([10]);
    });

    it("records the refund of a partial capture on an order that expired", async () => {
      const shortWindow = withPolicy({ paymentWindowSeconds: 1 });
      const productId = await newProduct(1000, 10);
      const order = await shortWindow.placeOrder(context(), await newAccount(), [{ productId, quantity: 1 }], "");
      expect((await capture(orders, order.id, 400)).status).toBe("PENDING_PAYMENT");
      await sleep(1100);
      await sweep();
      const refunded = await orders.recordPayment(context(), {
        orderId: order.id,
        kind: "REFUND",
        amountCents: 400,
        currency: "USD",
        provider: "stripe",
        providerReference: newId(),
      });
      expect(refunded.status).toBe("EXPIRED");
      expect(refunded.payments.map((payment) => payment.kind)).toEqual(["CAPTURE", "REFUND"]);
    });

    it("expires each of many due orders exactly once when sweeps race", async () => {
      const shortWindow = withPolicy({ paymentWindowSeconds: 1 });
      const productId = await newProduct(100, 100);
      const accountId = await newAccount();
      const placed = await Promise.all(
        Array.from({ length: 30 }, () =>
          shortWindow.placeOrder(context(), accountId, [{ productId, quantity: 2 }], ""),
        ),
      );
      expect(await stock(productId)).toEqual([40]);
      await sleep(1100);
      const results = await Promise.all([sweep(), sweep(), sweep()]);
      expect(results.reduce((sum, result) => sum + result.expired, 0)).toBe(30);
      expect(await stock(productId)).toEqual([100]);
      for (const order of placed) expect((await orders.getOrder(order.id)).status).toBe("EXPIRED");
    });
  });

  describe("releases that survive outages", () => {
    const pendingEffects = async () =>
      (
        await database.query<{ orderId: string; effect: string }>(
          `SELECT order_id AS "orderId", effect FROM pending_reservation_effects`,
        )
      ).rows;
    const drain = () => reconcile();

    it("cancels while the product service is down, keeps the release queued and applies it once it is back", async () => {
      // Seen: an order cancelled while the product service was down kept its stock held, forever.
      const productId = await newProduct(100, 10);
      const order = await place(await newAccount(), [{ productId, quantity: 3 }]);
      await services.stop("product");
      try {
        expect((await orders.cancelOrder(context(), order.id)).status).toBe("CANCELLED");
        expect(await pendingEffects()).toContainEqual({ orderId: order.id, effect: "releaseReservation" });
        const whileDown = await drain();
        expect(whileDown.pending).toBeGreaterThanOrEqual(1);
      } finally {
        await services.start("product");
      }
      expect(await stock(productId)).toEqual([7]);
      // The failed attempt backed off for a second.
      await sleep(1100);
      expect((await drain()).released).toBeGreaterThanOrEqual(1);
      expect(await stock(productId)).toEqual([10]);
      expect((await pendingEffects()).map((effect) => effect.orderId)).not.toContain(order.id);
    });

    it("answers a cancel before the caller's deadline while the product service hangs, and releases later", async () => {
      // Seen: with the product service hung, a cancel that went through answered UNAVAILABLE, because the release
      // attempt inside the request used the caller's whole deadline.
      const productId = await newProduct(100, 10);
      const order = await place(await newAccount(), [{ productId, quantity: 2 }]);
      const deadline = new Date(Date.now() + 3000);
      await services.signal("product", "SIGSTOP");
      let answeredAt: number;
      try {
        const cancelled = await orders.cancelOrder({ ...context(), deadline }, order.id);
        answeredAt = Date.now();
        expect(cancelled.status).toBe("CANCELLED");
        expect(await pendingEffects()).toContainEqual({ orderId: order.id, effect: "releaseReservation" });
      } finally {
        await services.signal("product", "SIGCONT");
      }
      expect(answeredAt).toBeLessThan(deadline.getTime());
      await sleep(1100);
      await drain();
      expect(await stock(productId)).toEqual([10]);
    });

    it("leaves no queued effect behind when the product service is up", async () => {
      const productId = await newProduct(100, 10);
      const order = await place(await newAccount(), [{ productId, quantity: 1 }]);
      await orders.cancelOrder(context(), order.id);
      expect((await pendingEffects()).map((effect) => effect.orderId)).not.toContain(order.id);
      expect(await stock(productId)).toEqual([10]);
    });
  });

  describe("fair holds", () => {
    const withLimits = (maxUnpaidOrdersPerAccount: number, maxHeldUnitsPerProduct: number) =>
      withPolicy({ maxUnpaidOrdersPerAccount, maxHeldUnitsPerProduct });

    it("refuses an account's unpaid order beyond the limit, and takes it again once one is cancelled", async () => {
      // Seen: one new customer held all 1,000 units of a product unpaid; everyone else got CONFLICT.
      const limited = withLimits(2, 100);
      const accountId = await newAccount();
      const productId = await newProduct(100, 100);
      const first = await limited.placeOrder(context(), accountId, [{ productId, quantity: 1 }], "");
      await limited.placeOrder(context(), accountId, [{ productId, quantity: 1 }], "");
      await expect(limited.placeOrder(context(), accountId, [{ productId, quantity: 1 }], "")).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "TOO_MANY_UNPAID_ORDERS",
        field: "accountId",
        message: "an account may have at most 2 unpaid orders at once; pay or cancel one first",
      });
      expect(await stock(productId)).toEqual([98]);
      // Another account is not affected.
      await limited.placeOrder(context(), await newAccount(), [{ productId, quantity: 1 }], "");
      await limited.cancelOrder(context(), first.id);
      await limited.placeOrder(context(), accountId, [{ productId, quantity: 1 }], "");
      expect(await stock(productId)).toEqual([97]);
    });

    it("refuses units of one product beyond what one account may hold unpaid", async () => {
      const limited = withLimits(10, 5);
      const accountId = await newAccount();
      const [productId, other] = [await newProduct(100, 100), await newProduct(100, 100)];
      await limited.placeOrder(context(), accountId, [{ productId, quantity: 3 }], "");
      await expect(
        limited.placeOrder(
          context(),
          accountId,
          [
            { productId: other, quantity: 1 },
            { productId, quantity: 3 },
          ],
          "",
        ),
      ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "HOLD_LIMIT_EXCEEDED", field: "quantity" });
      await limited.placeOrder(context(), accountId, [{ productId, quantity: 2 }], "");
      expect(await stock(productId, other)).toEqual([95, 100]);
    });

    it("lets exactly the limit through when one account races 12 orders, and holds only their stock", async () => {
      const limited = withLimits(3, 1000);
      const accountId = await newAccount();
      const productId = await newProduct(100, 100);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => limited.placeOrder(context(), accountId, [{ productId, quantity: 2 }], "")),
      );
      const placed = results.filter((result) => result.status === "fulfilled");
      expect(placed).toHaveLength(3);
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toMatchObject({ reason: "TOO_MANY_UNPAID_ORDERS" });
      }
      // Refusals under the lock gave their reservation back.
      expect(await stock(productId)).toEqual([94]);
    });
  });

  describe("listing orders", () => {
    it("lists an account's orders newest first, with paging", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const placed = [];
      for (let i = 0; i < 3; i += 1) placed.push(await place(accountId, [{ productId, quantity: 1 }]));
      expect((await orders.listOrders(accountId, { skip: 0, take: 0 })).map((order) => order.id)).toEqual(
        placed.map((order) => order.id).reverse(),
      );
      const secondPage = await orders.listOrders(accountId, { skip: 1, take: 1 });
      expect(secondPage.map((order) => order.id)).toEqual([placed[1]!.id]);
      expect((await orders.listOrders("", { skip: 0, take: 1 }))[0]!.id).toBe(placed[2]!.id);
      await expect(orders.listOrders(accountId, { skip: -1, take: 0 })).rejects.toMatchObject({ field: "skip" });
    });

    it("lists the orders of many accounts in request order, with empty lists", async () => {
      const [buyer, browser] = [await newAccount(), await newAccount()];
      const productId = await newProduct(100, 10);
      const order = await place(buyer, [{ productId, quantity: 1 }]);
      const result = await orders.listOrdersForAccounts([browser, buyer]);
      expect(result).toEqual([
        { accountId: browser, orders: [] },
        { accountId: buyer, orders: [order] },
      ]);
      await expect(orders.listOrdersForAccounts(["x"])).rejects.toMatchObject({ field: "accountIds" });
      await expect(orders.listOrdersForAccounts(Array.from({ length: 1001 }, () => newId()))).rejects.toMatchObject({
        field: "accountIds",
      });
    });
  });

  describe("reconciler", () => {
    /** One run that treats everything created before it as old enough to reconcile. */
    async function reconcileOnce() {
      // The cutoff has millisecond precision and rows microsecond precision: step past the rows just written.
      await sleep(20);
      return reconcile(0);
    }

    it("releases a held reservation whose order was never stored", async () => {
      const productId = await newProduct(100, 10);
      const orphan = newId();
      await services.products.reserveStock({ orderId: orphan, lines: [{ productId, quantity: 4 }] });
      expect(await stock(productId)).toEqual([6]);
      expect((await reconcileOnce()).released).toBeGreaterThanOrEqual(1);
      expect(await stock(productId)).toEqual([10]);
      expect(await heldReservations()).not.toContain(orphan);
    });

    it("leaves the reservations of pending orders alone", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const order = await place(accountId, [{ productId, quantity: 1 }]);
      await reconcileOnce();
      expect(await heldReservations()).toContain(order.id);
      expect(await stock(productId)).toEqual([9]);
    });

    it("commits the reservation of an order paid while the product service was down", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const order = await place(accountId, [{ productId, quantity: 1 }]);
      await services.stop("product");
      try {
        const paid = await orders.recordPayment(context(), {
          orderId: order.id,
          kind: "CAPTURE",
          amountCents: 100,
          currency: "USD",
          provider: "stripe",
          providerReference: "down-" + order.id,
        });
        expect(paid.status).toBe("PAID");
      } finally {
        await services.start("product");
      }
      expect(await heldReservations()).toContain(order.id);
      expect((await reconcileOnce()).committed).toBeGreaterThanOrEqual(1);
      expect(await heldReservations()).not.toContain(order.id);
      expect(await stock(productId)).toEqual([9]);
    });

    it("reads every held reservation, however many pages they fill, and releases each orphan exactly once", async () => {
      // Seen: the reconciler only looked at the 1,000 oldest held reservations, so orphans behind live holds stayed.
      // 520 orphans fill more than one of its pages (500); the end-to-end scale test holds more than the largest.
      const productId = await newProduct(100, 2000);
      const accountId = await newAccount();
      const live = await place(accountId, [{ productId, quantity: 1 }]);
      const orphans = Array.from({ length: 520 }, () => newId());
      for (let start = 0; start < orphans.length; start += 50) {
        await Promise.all(
          orphans
            .slice(start, start + 50)
            .map((orderId) => services.products.reserveStock({ orderId, lines: [{ productId, quantity: 1 }] })),
        );
      }
      expect(await stock(productId)).toEqual([2000 - 1 - 520]);
      const result = await reconcileOnce();
      expect(result.scanned).toBeGreaterThanOrEqual(521);
      expect(result.released).toBeGreaterThanOrEqual(520);
      expect(await stock(productId)).toEqual([1999]);
      expect(await heldReservations()).toContain(live.id);
      expect((await reconcileOnce()).released).toBe(0);
      expect(await stock(productId)).toEqual([1999]);
    });

    it("deletes idempotency claims whose order never appeared", async () => {
      const claim = { accountId: newId(), key: "abandoned", requestFingerprint: "f", orderId: newId() };
      await repository.claimIdempotencyKey(database, claim);
      expect((await reconcileOnce()).abandonedClaimsDeleted).toBeGreaterThanOrEqual(1);
      expect(await repository.findIdempotencyClaim(database, claim.accountId, claim.key)).toBeUndefined();
    });
  });
});
