import { ReservationStatus } from "@polyscale/product";
import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { OrderService } from "./service.js";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService payments on $name", (backend) => {
  const bed = useOrderService(backend);
  const { withPolicy, reconcile, newAccount, newProduct, stock, reservations, heldReservations, place } = bed;

  describe("order lifecycle and payments", () => {
    async function pendingOrder(priceCents = 1000, quantity = 2) {
      const accountId = await newAccount();
      const productId = await newProduct(priceCents, 10);
      const order = await place(accountId, [{ productId, quantity }]);
      return { accountId, productId, order };
    }
    const pay = (kind: "capture" | "refund", orderId: string, amountCents: number, providerReference: string) =>
      bed.orders.recordPayment(context(), {
        orderId,
        kind,
        amountCents,
        currency: "USD",
        provider: "stripe",
        providerReference,
      });
    const capture = (orderId: string, amountCents: number, reference: string) =>
      pay("capture", orderId, amountCents, reference);
    const refund = (orderId: string, amountCents: number, reference: string) =>
      pay("refund", orderId, amountCents, reference);

    it("cancels a pending order and gives its stock back", async () => {
      const { productId, order } = await pendingOrder();
      expect(await stock(productId)).toEqual([8]);
      expect((await bed.orders.cancelOrder(context(), order.id)).status).toBe("cancelled");
      expect(await stock(productId)).toEqual([10]);
      expect(await heldReservations()).not.toContain(order.id);
      await expect(bed.orders.cancelOrder(context(), order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        message: "cannot move order from cancelled to cancelled",
      });
    });

    it("lets exactly one of two concurrent cancels win", async () => {
      const { productId, order } = await pendingOrder();
      const results = await Promise.allSettled([
        bed.orders.cancelOrder(context(), order.id),
        bed.orders.cancelOrder(context(), order.id),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(await stock(productId)).toEqual([10]);
    });

    it("refuses transitions the state machine does not allow", async () => {
      const { order } = await pendingOrder();
      await expect(bed.orders.markFulfilled(context(), order.id)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        message: "cannot move order from pending_payment to fulfilled",
      });
      await expect(refund(order.id, 100, newId())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await expect(bed.orders.cancelOrder(context(), newId())).rejects.toMatchObject({
        code: "NOT_FOUND",
        field: "id",
      });
      expect((await bed.orders.getOrder(order.id)).status).toBe("pending_payment");
    });

    it("becomes PAID when captures cover the total, and commits the reservation", async () => {
      const { productId, order } = await pendingOrder(1000, 2);
      const partial = await capture(order.id, 500, "cap-1-" + order.id);
      expect(partial.status).toBe("pending_payment");
      const paid = await capture(order.id, 1500, "cap-2-" + order.id);
      expect(paid.status).toBe("paid");
      expect(paid.payments.map((payment) => [payment.kind, payment.amountCents])).toEqual([
        ["capture", 500],
        ["capture", 1500],
      ]);
      expect(await heldReservations()).not.toContain(order.id);
      expect(await reservations(ReservationStatus.RESERVATION_STATUS_COMMITTED)).toContain(order.id);
      expect(await stock(productId)).toEqual([8]);
      await expect(bed.orders.cancelOrder(context(), order.id)).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await expect(capture(order.id, 1, newId())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      expect((await bed.orders.markFulfilled(context(), order.id)).status).toBe("fulfilled");
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
      const after = await bed.orders.getOrder(order.id);
      expect(after.status).toBe("pending_payment");
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
      const after = await bed.orders.getOrder(order.id);
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
      expect((await bed.orders.getOrder(order.id)).payments).toHaveLength(1);
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
      expect((await refund(order.id, 1000, "ref-1-" + order.id)).status).toBe("paid");
      const refunded = await refund(order.id, 2000, "ref-2-" + order.id);
      expect(refunded.status).toBe("refunded");
      const refunds = refunded.payments.filter((payment) => payment.kind === "refund");
      expect(refunds.map((payment) => payment.amountCents)).toEqual([1000, 2000]);
      await expect(refund(order.id, 1, newId())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    });

    it.each([
      ["kind", "INVALID_INPUT", { kind: undefined }],
      ["amountCents", "INVALID_INPUT", { amountCents: 0 }],
      ["amountCents", "INVALID_INPUT", { amountCents: -5 }],
      ["currency", "INVALID_INPUT", { currency: "dollars" }],
      ["currency", "CURRENCY_MISMATCH", { currency: "EUR" }],
      ["provider", "INVALID_INPUT", { provider: " " }],
      ["providerReference", "INVALID_INPUT", { providerReference: "" }],
    ])("refuses a payment with a bad %s (%s) and records nothing", async (field, reason, override) => {
      const { order } = await pendingOrder(1000, 1);
      await expect(
        bed.orders.recordPayment(context(), {
          orderId: order.id,
          kind: "capture",
          amountCents: 1000,
          currency: "USD",
          provider: "stripe",
          providerReference: newId(),
          ...override,
        }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", reason, field });
      expect(await bed.orders.getOrder(order.id)).toEqual(order);
    });
  });

  describe("payment window", () => {
    const sweep = () => reconcile();
    const capture = (service: OrderService, orderId: string, amountCents: number) =>
      service.recordPayment(context(), {
        orderId,
        kind: "capture",
        amountCents,
        currency: "USD",
        provider: "stripe",
        providerReference: newId(),
      });

    /** An order by a new account of `quantity` units of the product, due for payment within one second. */
    const placeDueInASecond = async (productId: string, quantity: number) =>
      withPolicy({ paymentWindowSeconds: 1 }).placeOrder(context(), {
        accountId: await newAccount(),
        lines: [{ productId, quantity }],
        idempotencyKey: "",
      });

    it("gives an unpaid order a due time and expires it after the window, returning its stock", async () => {
      // Seen: an unpaid order for all 1,000 units still held them 12 minutes later; nothing ever expired it.
      const productId = await newProduct(100, 10);
      const order = await placeDueInASecond(productId, 4);
      expect(order.paymentDueAt!.getTime() - order.createdAt.getTime()).toBeCloseTo(1000, -2);
      const notDue = await bed.orders.placeOrder(context(), {
        accountId: await newAccount(),
        lines: [{ productId, quantity: 1 }],
        idempotencyKey: "",
      });
      expect(await stock(productId)).toEqual([5]);
      await sleep(1100);
      expect((await sweep()).expired).toBeGreaterThanOrEqual(1);
      expect((await bed.orders.getOrder(order.id)).status).toBe("expired");
      expect((await bed.orders.getOrder(notDue.id)).status).toBe("pending_payment");
      expect(await stock(productId)).toEqual([9]);
      expect(await heldReservations()).not.toContain(order.id);
      await expect(bed.orders.cancelOrder(context(), order.id)).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    });

    it("refuses a payment after expiry, records nothing and says to refund it", async () => {
      // Seen: a late capture would have been accepted on an order whose stock was gone.
      const productId = await newProduct(250, 10);
      const order = await placeDueInASecond(productId, 2);
      await sleep(1100);
      await sweep();
      await expect(capture(bed.orders, order.id, 500)).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "ORDER_EXPIRED",
        field: "orderId",
        message: expect.stringContaining("refund it") as unknown,
      });
      const after = await bed.orders.getOrder(order.id);
      expect(after.status).toBe("expired");
      expect(after.payments).toEqual([]);
      expect(await stock(productId)).toEqual([10]);
    });

    it("refuses a capture that arrives after the window even before any sweep, and expires the order", async () => {
      const productId = await newProduct(250, 10);
      const order = await placeDueInASecond(productId, 2);
      await sleep(1100);
      await expect(capture(bed.orders, order.id, 500)).rejects.toMatchObject({ reason: "ORDER_EXPIRED" });
      expect((await bed.orders.getOrder(order.id)).status).toBe("expired");
      expect(await stock(productId)).toEqual([10]);
      expect((await sweep()).expired).toBe(0);
      expect(await stock(productId)).toEqual([10]);
    });

    it("records the refund of a partial capture on an order that expired", async () => {
      const productId = await newProduct(1000, 10);
      const order = await placeDueInASecond(productId, 1);
      expect((await capture(bed.orders, order.id, 400)).status).toBe("pending_payment");
      await sleep(1100);
      await sweep();
      const refunded = await bed.orders.recordPayment(context(), {
        orderId: order.id,
        kind: "refund",
        amountCents: 400,
        currency: "USD",
        provider: "stripe",
        providerReference: newId(),
      });
      expect(refunded.status).toBe("expired");
      expect(refunded.payments.map((payment) => payment.kind)).toEqual(["capture", "refund"]);
    });

    it("expires each of many due orders exactly once when sweeps race", async () => {
      const shortWindow = withPolicy({ paymentWindowSeconds: 1 });
      const productId = await newProduct(100, 100);
      const accountId = await newAccount();
      const placed = await Promise.all(
        Array.from({ length: 30 }, () =>
          shortWindow.placeOrder(context(), { accountId, lines: [{ productId, quantity: 2 }], idempotencyKey: "" }),
        ),
      );
      expect(await stock(productId)).toEqual([40]);
      await sleep(1100);
      const results = await Promise.all([sweep(), sweep(), sweep()]);
      expect(results.reduce((sum, result) => sum + result.expired, 0)).toBe(30);
      expect(await stock(productId)).toEqual([100]);
      for (const order of placed) expect((await bed.orders.getOrder(order.id)).status).toBe("expired");
    });
  });
});
