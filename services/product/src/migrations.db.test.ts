import { copyFile, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrate, newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import * as repository from "./repository.js";
import { migrationsDir } from "./storage.js";

/** A directory holding the product service's migrations numbered below `version`: the schema as it was before it. */
async function migrationsBefore(version: number): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "product-migrations-"));
  for (const name of await readdir(migrationsDir)) {
    if (Number.parseInt(name, 10) < version) await copyFile(path.join(migrationsDir, name), path.join(directory, name));
  }
  return directory;
}

describe.each(databaseBackends())("product migrations over existing data on $name", (backend) => {
  it("240 gives existing products no attributes and keeps their option keys; attributes then join them", async () => {
    const { database, close } = await backend.open(await migrationsBefore(240));
    try {
      const [shirt, mug] = [newId(), newId()];
      await database.query(
        `INSERT INTO products (id, name, description, price_cents, currency, stock)
         VALUES ($1, 'Shirt', '', 2000, 'USD', 3), ($2, 'Mug', '', 900, 'USD', 1)`,
        [shirt, mug],
      );
      await database.query(
        `INSERT INTO product_variants (id, product_id, position, sku, options, price_cents, currency, stock)
         VALUES ($1, $1, 0, 'SHIRT-RED', '[{"name": "Colour", "value": "Réd"}]', 2000, 'USD', 3),
                ($2, $2, 0, 'MUG', '[]', 900, 'USD', 1)`,
        [shirt, mug],
      );
      const keys = async () =>
        (
          await database.query<{ id: string; option_keys: string[] }>(
            "SELECT id, option_keys FROM products ORDER BY name",
          )
        ).rows.map((row) => row.option_keys);
      expect(await keys()).toEqual([[], ["colour=red"]]);

      expect(await migrate(database, migrationsDir)).toContain(240);

      expect(await keys()).toEqual([[], ["colour=red"]]);
      expect((await repository.getProduct(database, shirt))?.attributes).toEqual([]);
      await repository.updateProduct(database, shirt, {
        attributes: [
          { name: "Material", value: "Cotton" },
          { name: "Brand", value: "Açme" },
        ],
      });
      expect(await keys()).toEqual([[], ["brand=acme", "colour=red", "material=cotton"]]);
      expect((await repository.getProduct(database, shirt))?.attributes).toEqual([
        { name: "Brand", value: "Açme" },
        { name: "Material", value: "Cotton" },
      ]);
      // A variant's change keeps the attributes' keys; removing the attributes removes theirs.
      await database.transaction((tx) =>
        repository.updateVariant(tx, shirt, { options: [{ name: "Colour", value: "Blue" }] }),
      );
      expect(await keys()).toEqual([[], ["brand=acme", "colour=blue", "material=cotton"]]);
      await repository.updateProduct(database, shirt, { attributes: [] });
      expect(await keys()).toEqual([[], ["colour=blue"]]);
    } finally {
      await close();
    }
  });
});
