import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService limits on $name", (backend) => {
  const bed = useOrderService(backend);
  const { withPolicy, newAccount, newProduct, stock, reconcile } = bed;

  /**
   * Applies the releases a refused placement queued. Each refusal also tries its release at once, but that attempt may
   * give up (at most 1 s, so the caller gets its answer) on a loaded machine and leave the release to the queue; the
   * sums hold once the queue is drained, as the reconciler does. Seen: CI on 2 cores read 92 units instead of 94.
   */
  const drainReleases = async () => expect(await reconcile()).toMatchObject({ pending: 0 });

  describe("fair holds", () => {
    const withLimits = (maxUnpaidOrdersPerAccount: number, maxHeldUnitsPerProduct: number) =>
      withPolicy({ maxUnpaidOrdersPerAccount, maxHeldUnitsPerProduct });

    it("refuses an account's unpaid order beyond the limit, and takes it again once one is cancelled", async () => {
      // Seen: one new customer held all 1,000 units of a product unpaid; everyone else got CONFLICT.
      const limited = withLimits(2, 100);
      const accountId = await newAccount();
      const productId = await newProduct(100, 100);
      const first = await limited.placeOrder(context(), {
        accountId,
        lines: [{ productId, quantity: 1 }],
        idempotencyKey: "",
      });
      await limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" });
      await expect(
        limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" }),
      ).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "TOO_MANY_UNPAID_ORDERS",
        field: "accountId",
        message: "an account may have at most 2 unpaid orders at once; pay or cancel one first",
      });
      expect(await stock(productId)).toEqual([98]);
      // Another account is not affected.
      await limited.placeOrder(context(), {
        accountId: await newAccount(),
        lines: [{ productId, quantity: 1 }],
        idempotencyKey: "",
      });
      await limited.cancelOrder(context(), first.id);
      await limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" });
      expect(await stock(productId)).toEqual([97]);
    });

    it("refuses units of one product beyond what one account may hold unpaid", async () => {
      const limited = withLimits(10, 5);
      const accountId = await newAccount();
      const [productId, other] = [await newProduct(100, 100), await newProduct(100, 100)];
      await limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 3 }], idempotencyKey: "" });
      await expect(
        limited.placeOrder(context(), {
          accountId,
          lines: [
            { productId: other, quantity: 1 },
            { productId, quantity: 3 },
          ],
          idempotencyKey: "",
        }),
      ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "HOLD_LIMIT_EXCEEDED", field: "quantity" });
      await limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 2 }], idempotencyKey: "" });
      expect(await stock(productId, other)).toEqual([95, 100]);
    });

    // One account races 12 orders of 2 units of one product (stock 100): 3 fit in either limit; the others are refused
    // under the account's lock, which gave their reservations back.
    it.each([
      { limit: "unpaid orders (3)", maxUnpaid: 3, maxUnits: 1000, reason: "TOO_MANY_UNPAID_ORDERS" },
      {
        limit: "held units (7: the fourth order would hold 8)",
        maxUnpaid: 100,
        maxUnits: 7,
        reason: "HOLD_LIMIT_EXCEEDED",
      },
    ])("lets exactly the limit on $limit through when one account races 12 orders", async (race) => {
      const limited = withLimits(race.maxUnpaid, race.maxUnits);
      const accountId = await newAccount();
      const productId = await newProduct(100, 100);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () =>
          limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 2 }], idempotencyKey: "" }),
        ),
      );
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(3);
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toMatchObject({ reason: race.reason });
      }
      await drainReleases();
      expect(await stock(productId)).toEqual([94]);
    });

    it("refuses a checkout beyond the limit under the lock and leaves the cart as it was", async () => {
      const limited = withLimits(1, 1000);
      const accountId = await newAccount();
      const productId = await newProduct(100, 100);
      await limited.addCartItem(context(), { owner: accountId, productId, quantity: 2 });
      const results = await Promise.allSettled([
        limited.checkout(context(), { accountId, idempotencyKey: "" }),
        limited.placeOrder(context(), { accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" }),
      ]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((result) => result.status === "rejected");
      expect(refused).toMatchObject({ reason: { reason: "TOO_MANY_UNPAID_ORDERS" } });
      const cart = await limited.getCart(context(), accountId);
      // The checkout either took the two units or, refused, left them in the cart.
      const checkedOut = results[0].status === "fulfilled";
      await drainReleases();
      expect(cart.lines.map((line) => line.quantity)).toEqual(checkedOut ? [] : [2]);
      expect(await stock(productId)).toEqual([checkedOut ? 98 : 99]);
    });
  });
});
