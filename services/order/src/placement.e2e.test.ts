import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import * as repository from "./repository.js";
import { useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService placement on $name", (backend) => {
  const bed = useOrderService(backend);
  const { newAccount, newProduct, stock, orderCount, heldReservations, place } = bed;

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
        status: "pending_payment",
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
      expect(await bed.orders.getOrder(order.id)).toEqual(order);
    });

    it("writes order.placed with the stored order, its creation time included, in the statement that stores it", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(1250, 10);
      const order = await place(accountId, [{ productId, quantity: 2 }]);
      const { rows } = await bed.database.query<{ subject: string; aggregateId: string; body: string }>(
        `SELECT subject, aggregate_id AS "aggregateId", body FROM event_outbox WHERE aggregate_id = $1`,
        [order.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ subject: "polyscale.order.placed", aggregateId: order.id });
      expect(JSON.parse(rows[0]!.body)).toMatchObject({
        type: "polyscale.order.placed",
        subject: order.id,
        time: order.createdAt.toISOString(),
        data: {
          orderId: order.id,
          accountId,
          lines: [{ productId, unitPriceCents: 1250, quantity: 2, lineTotalCents: 2500 }],
          totalCents: 2500,
          currency: "USD",
          // The stand-ins the envelope is built with are replaced by the time the database gave the order.
          createdAt: order.createdAt.toISOString(),
        },
      });
    });

    it("keeps the snapshot when the catalog price changes later", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(1000, 3);
      const order = await place(accountId, [{ productId, quantity: 1 }]);
      await bed.services.products.updateProduct({ id: productId, priceCents: 5000 });
      expect((await bed.orders.getOrder(order.id)).lines[0]!.unitPriceCents).toBe(1000);
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
      ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", field: "variantId" });
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
      expect(await repository.findIdempotencyClaim(bed.database, accountId, "key-p")).toBeUndefined();
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
      expect((await bed.orders.listOrders({ accountId, statuses: [], skip: 0, take: 0 })).orders).toHaveLength(1);
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
      await bed.services.products.adjustStock({ productId, delta: 1 });
      const order = await place(accountId, lines, "after-failure");
      expect(order.lines[0]!.quantity).toBe(2);
      expect(await stock(productId)).toEqual([0]);
    });
  });
});
