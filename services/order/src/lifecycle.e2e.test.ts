import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { OrderStatus } from "./model.js";
import type { ListOrdersInput } from "./lifecycle.js";
import * as repository from "./repository.js";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService order reads and status changes on $name", (backend) => {
  const bed = useOrderService(backend);
  const { reconcile, newAccount, newProduct, stock, place } = bed;

  describe("listing orders", () => {
    it("lists an account's orders newest first, with paging and the total over all pages", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const placed = [];
      for (let i = 0; i < 3; i += 1) placed.push(await place(accountId, [{ productId, quantity: 1 }]));
      const all = await bed.orders.listOrders({ accountId, statuses: [], skip: 0, take: 0 });
      expect(all.orders.map((order) => order.id)).toEqual(placed.map((order) => order.id).reverse());
      expect(all).toMatchObject({ totalCount: 3, totalCountIsExact: true });
      const secondPage = await bed.orders.listOrders({ accountId, statuses: [], skip: 1, take: 1 });
      expect(secondPage).toEqual({ orders: [placed[1]], totalCount: 3, totalCountIsExact: true });
      expect(await bed.orders.listOrders({ accountId, statuses: [], skip: 5, take: 1 })).toEqual({
        orders: [],
        totalCount: 3,
        totalCountIsExact: true,
      });
      // Beyond the count limit the count stops there and says so.
      const counted = (countLimit: number) =>
        repository.listOrders(bed.database, { accountId, statuses: [] }, { skip: 0, take: 1 }, countLimit);
      expect(await counted(3)).toMatchObject({ totalCount: 3, totalCountIsExact: true });
      expect(await counted(2)).toMatchObject({ totalCount: 2, totalCountIsExact: false });
      expect((await bed.orders.listOrders({ accountId: "", statuses: [], skip: 0, take: 1 })).orders[0]!.id).toBe(
        placed[2]!.id,
      );
      await expect(bed.orders.listOrders({ accountId, statuses: [], skip: -1, take: 0 })).rejects.toMatchObject({
        field: "skip",
      });
    });

    it("filters by status and by the time placed, [createdFrom, createdTo), newest first", async () => {
      const accountId = await newAccount();
      const productId = await newProduct(100, 10);
      const placed = [];
      for (let day = 1; day <= 4; day += 1) {
        const order = await place(accountId, [{ productId, quantity: 1 }]);
        await bed.database.query("UPDATE orders SET created_at = $2 WHERE id = $1", [order.id, `2031-01-0${day}Z`]);
        placed.push(order.id);
      }
      await bed.orders.cancelOrder(context(), placed[1]!);
      const list = (request: { statuses?: OrderStatus[]; createdFrom?: Date; createdTo?: Date }) =>
        bed.orders.listOrders({ accountId, statuses: [], ...request, skip: 0, take: 0 });
      const ids = async (request: Parameters<typeof list>[0]) => (await list(request)).orders.map((order) => order.id);
      expect(await ids({ statuses: ["cancelled"] })).toEqual([placed[1]]);
      expect(await ids({ statuses: ["pending_payment", "paid"] })).toEqual([placed[3], placed[2], placed[0]]);
      const from = new Date("2031-01-02Z");
      const to = new Date("2031-01-04Z");
      expect(await ids({ createdFrom: from, createdTo: to })).toEqual([placed[2], placed[1]]);
      expect(await list({ statuses: ["pending_payment"], createdFrom: from })).toMatchObject({ totalCount: 2 });
      expect(await ids({ createdFrom: from, createdTo: from })).toEqual([]);
      // Every account's orders, filtered the same way (other tests' orders lie outside the range).
      expect(
        (
          await bed.orders.listOrders({
            accountId: "",
            statuses: ["cancelled"],
            createdFrom: from,
            createdTo: to,
            skip: 0,
            take: 0,
          })
        ).orders.map((order) => order.id),
      ).toEqual([placed[1]]);
    });

    it("refuses a status that is not one, an invalid instant and createdFrom after createdTo, naming the field", async () => {
      const accountId = await newAccount();
      const page = { skip: 0, take: 0 };
      const cases: Array<[Partial<ListOrdersInput>, string]> = [
        [{ statuses: ["7"] }, "statuses"],
        [{ statuses: ["paid", undefined] }, "statuses"],
        [{ createdFrom: new Date(Number.NaN) }, "createdFrom"],
        [{ createdTo: new Date(Number.NaN) }, "createdTo"],
        [{ createdFrom: new Date("2031-01-02Z"), createdTo: new Date("2031-01-01Z") }, "createdFrom"],
        [{ accountId: "not-an-id" }, "accountId"],
      ];
      for (const [request, field] of cases) {
        await expect(bed.orders.listOrders({ accountId, statuses: [], ...request, ...page })).rejects.toMatchObject({
          code: "INVALID_ARGUMENT",
          field,
        });
      }
    });

    it("reads every filtered page through an index that holds its condition, in order, never sorting", async () => {
      // With scans of the table and sorts off, a Sort node left in the plan means no index serves the filter in order,
      // and a filtered column missing from the Index Cond means the index walks past rows that do not match.
      const plans = await bed.database.transaction(async (tx) => {
        for (const method of ["seqscan", "bitmapscan", "sort"]) await tx.query(`SET LOCAL enable_${method} = off`);
        const plan = async (where: string, params: unknown[]) => {
          const result = await tx.query<{ "QUERY PLAN": unknown }>(
            `EXPLAIN (FORMAT JSON) SELECT id FROM orders WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT 20`,
            params,
          );
          return JSON.stringify(result.rows[0]!["QUERY PLAN"]);
        };
        return {
          status: await plan("status = $1", ["paid"]),
          account: await plan("account_id = $1 AND created_at >= $2", [newId(), new Date()]),
          range: await plan("created_at >= $1 AND created_at < $2", [new Date(0), new Date()]),
        };
      });
      for (const plan of Object.values(plans)) expect(plan).not.toContain('"Sort"');
      expect(plans.status).toMatch(/"Index Cond":"\(status = /);
      expect(plans.account).toMatch(/"Index Cond":"\(\(account_id = [^"]*created_at >= /);
      expect(plans.range).toMatch(/"Index Cond":"\(\(created_at >= [^"]*created_at < /);
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
        expect((await bed.orders.cancelOrder(context(), order.id)).status).toBe("cancelled");
        expect(await pendingEffects()).toContainEqual({ orderId: order.id, effect: "release_reservation" });
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
        expect(cancelled.status).toBe("cancelled");
        expect(await pendingEffects()).toContainEqual({ orderId: order.id, effect: "release_reservation" });
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
