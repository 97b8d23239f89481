import { databaseBackends } from "@polyscale/platform/testing";
import { describe, expect, it } from "vitest";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService limits on $name", (backend) => {
  const bed = useOrderService(backend);
  const { withPolicy, newAccount, newProduct, stock } = bed;

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
});
