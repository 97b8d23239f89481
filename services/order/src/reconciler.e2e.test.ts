import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import * as repository from "./repository.js";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService reconciler on $name", (backend) => {
  const bed = useOrderService(backend);
  const { reconcile, newAccount, newProduct, stock, heldReservations, place } = bed;

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
      await bed.services.products.reserveStock({ orderId: orphan, lines: [{ productId, quantity: 4 }] });
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
      await bed.services.stop("product");
      try {
        const paid = await bed.orders.recordPayment(context(), {
          orderId: order.id,
          kind: "capture",
          amountCents: 100,
          currency: "USD",
          provider: "stripe",
          providerReference: "down-" + order.id,
        });
        expect(paid.status).toBe("paid");
      } finally {
        await bed.services.start("product");
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
            .map((orderId) => bed.services.products.reserveStock({ orderId, lines: [{ productId, quantity: 1 }] })),
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
      await repository.claimIdempotencyKey(bed.database, claim);
      expect((await reconcileOnce()).abandonedClaimsDeleted).toBeGreaterThanOrEqual(1);
      expect(await repository.findIdempotencyClaim(bed.database, claim.accountId, claim.key)).toBeUndefined();
    });
  });
});
