import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/platform/testing";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService order reads and status changes on $name", (backend) => {
  const bed = useOrderService(backend);
  const { reconcile, newAccount, newProduct, stock, place } = bed;

  describe("listing orders", () => {
    it("lists an account's orders newest first, with paging", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const placed = [];
      for (let i = 0; i < 3; i += 1) placed.push(await place(accountId, [{ productId, quantity: 1 }]));
      expect((await bed.orders.listOrders(accountId, { skip: 0, take: 0 })).map((order) => order.id)).toEqual(
        placed.map((order) => order.id).reverse(),
      );
      const secondPage = await bed.orders.listOrders(accountId, { skip: 1, take: 1 });
      expect(secondPage.map((order) => order.id)).toEqual([placed[1]!.id]);
      expect((await bed.orders.listOrders("", { skip: 0, take: 1 }))[0]!.id).toBe(placed[2]!.id);
      await expect(bed.orders.listOrders(accountId, { skip: -1, take: 0 })).rejects.toMatchObject({ field: "skip" });
    });

    it("lists the orders of many accounts in request order, with empty lists", async () => {
      const [buyer, browser] = [await newAccount(), await newAccount()];
      const productId = await newProduct(100, 10);
      const order = await place(buyer, [{ productId, quantity: 1 }]);
      const result = await bed.orders.listOrdersForAccounts([browser, buyer]);
      expect(result).toEqual([
        { accountId: browser, orders: [] },
        { accountId: buyer, orders: [order] },
      ]);
      await expect(bed.orders.listOrdersForAccounts(["x"])).rejects.toMatchObject({ field: "accountIds" });
      await expect(bed.orders.listOrdersForAccounts(Array.from({ length: 1001 }, () => newId()))).rejects.toMatchObject(
        {
          field: "accountIds",
        },
      );
    });
  });

  describe("releases that survive outages", () => {
    const pendingEffects = async () =>
      (
        await bed.database.query<{ orderId: string; effect: string }>(
          `SELECT order_id AS "orderId", effect FROM pending_reservation_effects`,
        )
      ).rows;
    const drain = () => reconcile();

    it("cancels while the product service is down, keeps the release queued and applies it once it is back", async () => {
      // Seen: an order cancelled while the product service was down kept its stock held, forever.
      const productId = await newProduct(100, 10);
      const order = await place(await newAccount(), [{ productId, quantity: 3 }]);
      await bed.services.stop("product");
      try {
        expect((await bed.orders.cancelOrder(context(), order.id)).status).toBe("CANCELLED");
        expect(await pendingEffects()).toContainEqual({ orderId: order.id, effect: "releaseReservation" });
        const whileDown = await drain();
        expect(whileDown.pending).toBeGreaterThanOrEqual(1);
      } finally {
        await bed.services.start("product");
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
      await bed.services.signal("product", "SIGSTOP");
      let answeredAt: number;
      try {
        const cancelled = await bed.orders.cancelOrder({ ...context(), deadline }, order.id);
        answeredAt = Date.now();
        expect(cancelled.status).toBe("CANCELLED");
        expect(await pendingEffects()).toContainEqual({ orderId: order.id, effect: "releaseReservation" });
      } finally {
        await bed.services.signal("product", "SIGCONT");
      }
      expect(answeredAt).toBeLessThan(deadline.getTime());
      await sleep(1100);
      await drain();
      expect(await stock(productId)).toEqual([10]);
    });

    it("leaves no queued effect behind when the product service is up", async () => {
      const productId = await newProduct(100, 10);
      const order = await place(await newAccount(), [{ productId, quantity: 1 }]);
      await bed.orders.cancelOrder(context(), order.id);
      expect((await pendingEffects()).map((effect) => effect.orderId)).not.toContain(order.id);
      expect(await stock(productId)).toEqual([10]);
    });
  });
});
