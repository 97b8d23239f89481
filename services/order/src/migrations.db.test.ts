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
});
