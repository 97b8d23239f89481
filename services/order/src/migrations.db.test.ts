import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate, newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import * as repository from "./repository.js";

const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));

/** A directory holding the order service's migrations numbered below `version`: the schema as it was before it. */
async function migrationsBefore(version: number): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "order-migrations-"));
  for (const name of await readdir(migrationsDir)) {
    if (Number.parseInt(name, 10) < version) await copyFile(path.join(migrationsDir, name), path.join(directory, name));
  }
  return directory;
}

describe.each(databaseBackends())("order migrations over existing data on $name", (backend) => {
  it("240 moves existing cart lines and order lines onto the default variant (id = product id)", async () => {
    const before = await migrationsBefore(240);
    const { database, close } = await backend.open(before);
    try {
      const [accountId, productA, productB, orderId] = [newId(), newId(), newId(), newId()];
      await database.query(
        `INSERT INTO cart_items (account_id, product_id, quantity, currency)
         VALUES ($1, $2, 3, 'USD'), ($1, $3, 1, NULL)`,
        [accountId, productA, productB],
      );
      await database.query(
        `INSERT INTO orders (id, account_id, status, total_cents, currency) VALUES ($1, $2, 'PAID', 950, 'USD')`,
        [orderId, accountId],
      );
      await database.query(
        `INSERT INTO order_lines (order_id, line_number, product_id, name, description, unit_price_cents, quantity,
                                  line_total_cents)
         VALUES ($1, 1, $2, 'A', 'first', 250, 3, 750), ($1, 2, $3, 'B', 'second', 200, 1, 200)`,
        [orderId, productA, productB],
      );

      expect(await migrate(database, migrationsDir)).toContain(240);

      expect(await repository.listCartItems(database, accountId)).toMatchObject([
        { productId: productA, variantId: productA, quantity: 3 },
        { productId: productB, variantId: productB, quantity: 1 },
      ]);
      const order = await repository.findOrder(database, orderId);
      expect(order?.lines).toEqual([
        {
          productId: productA,
          variantId: productA,
          sku: "",
          options: [],
          name: "A",
          description: "first",
          unitPriceCents: 250,
          quantity: 3,
          lineTotalCents: 750,
        },
        {
          productId: productB,
          variantId: productB,
          sku: "",
          options: [],
          name: "B",
          description: "second",
          unitPriceCents: 200,
          quantity: 1,
          lineTotalCents: 200,
        },
      ]);
      // The migrated line is the default variant's: adding to it adds units, another variant is a line of its own.
      const limits = { maxQuantity: 1000, maxProducts: 100 };
      const currency = "USD";
      const otherVariant = newId();
      await database.transaction(async (tx) => {
        await repository.putCartItem(
          tx,
          accountId,
          { productId: productA, variantId: productA, quantity: 2, currency },
          "add",
          limits,
        );
        await repository.putCartItem(
          tx,
          accountId,
          { productId: productA, variantId: otherVariant, quantity: 1, currency },
          "add",
          limits,
        );
      });
      expect(
        (await repository.listCartItems(database, accountId)).map((item) => [item.variantId, item.quantity]),
      ).toEqual([
        [productA, 5],
        [productB, 1],
        [otherVariant, 1],
      ]);
    } finally {
      await close();
      await rm(before, { recursive: true, force: true });
    }
  });

  it("260 rewrites upper-case statuses, payment kinds and queued effects into lower snake_case", async () => {
    const before = await migrationsBefore(260);
    const { database, close } = await backend.open(before);
    try {
      const [accountId, productId, unpaid, paid, expired] = [newId(), newId(), newId(), newId(), newId()];
      await database.query(
        `INSERT INTO orders (id, account_id, status, total_cents, currency, payment_due_at)
         VALUES ($1, $4, 'PENDING_PAYMENT', 500, 'USD', now() + interval '1 hour'), ($2, $4, 'PAID', 500, 'USD', NULL),
                ($3, $4, 'EXPIRED', 500, 'USD', now() - interval '1 hour')`,
        [unpaid, paid, expired, accountId],
      );
      await database.query(
        `INSERT INTO order_lines (order_id, line_number, product_id, variant_id, sku, name, description,
                                  unit_price_cents, quantity, line_total_cents)
         SELECT id, 1, $2, $2, 'SKU', 'A', 'a', 250, 2, 500 FROM orders WHERE account_id = $1`,
        [accountId, productId],
      );
      await database.query(
        `INSERT INTO payments (id, order_id, kind, amount_cents, currency, provider, provider_reference)
         VALUES ($1, $3, 'CAPTURE', 500, 'USD', 'acme', 'r1'), ($2, $3, 'REFUND', 100, 'USD', 'acme', 'r2')`,
        [newId(), newId(), paid],
      );
      await database.query(
        `INSERT INTO pending_reservation_effects (order_id, effect)
         VALUES ($1, 'commitReservation'), ($2, 'releaseReservation')`,
        [paid, expired],
      );

      expect(await migrate(database, migrationsDir)).toContain(260);

      expect((await repository.findOrder(database, unpaid))?.status).toBe("pending_payment");
      expect((await repository.findOrder(database, paid))?.payments.map((payment) => payment.kind)).toEqual([
        "capture",
        "refund",
      ]);
      expect((await repository.findOrderStatuses(database, [paid, expired])).get(expired)).toBe("expired");
      const claimed = await repository.claimDueReservationEffects(database, 10, 60);
      expect(new Map(claimed.map((item) => [item.orderId, item.effect]))).toEqual(
        new Map([
          [paid, "commit_reservation"],
          [expired, "release_reservation"],
        ]),
      );
      // The holds function counts the rewritten unpaid order (and only it), under the new value.
      const holds = await repository.findUnpaidHolds(database, accountId, [productId]);
      expect(holds).toEqual({ unpaidOrders: 1, unitsByProduct: new Map([[productId, 2]]) });
      const page = await repository.listOrders(
        database,
        { accountId, statuses: ["pending_payment"] },
        { skip: 0, take: 10 },
        100,
      );
      expect(page.orders.map((order) => order.id)).toEqual([unpaid]);
      // The constraints take the new values and refuse the old ones.
      await expect(database.query("UPDATE orders SET status = 'PAID' WHERE id = $1", [unpaid])).rejects.toThrow(
        /orders_status_check/,
      );
      await expect(
        database.query("UPDATE orders SET status = 'pending_payment', payment_due_at = NULL WHERE id = $1", [paid]),
      ).rejects.toThrow(/orders_unpaid_due_check/);
      await expect(database.query("UPDATE payments SET kind = 'CAPTURE' WHERE order_id = $1", [paid])).rejects.toThrow(
        /payments_kind_check/,
      );
      await expect(
        database.query("UPDATE pending_reservation_effects SET effect = 'releaseReservation' WHERE order_id = $1", [
          paid,
        ]),
      ).rejects.toThrow(/pending_reservation_effects_effect_check/);
    } finally {
      await close();
      await rm(before, { recursive: true, force: true });
    }
  });
});
