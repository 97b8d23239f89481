import type { Database } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../storage.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import type { SearchQuery } from "../model.js";
import { EXACT_COUNT_LIMIT } from "./search-engine.js";
import { insertDefaultVariants } from "../repository.js";

/**
 * Browsing (no text) counts exactly, compared with SQL over the table: the whole catalogue (from the counter table the
 * product statements keep), one category, in-stock only, small price ranges; an estimate is flagged as one. 1,500
 * products in 3 categories, more than EXACT_COUNT_LIMIT.
 */
const PRODUCTS = 1_500;

describe.each(databaseBackends())("PostgresSearchEngine browse counts on $name", (backend) => {
  let database: Database;
  let close: () => Promise<void>;
  let categories: string[];

  beforeAll(async () => {
    const test = await backend.open(migrationsDir);
    database = test.database;
    close = test.close;
    await database.query(`INSERT INTO categories (id, name, slug)
      SELECT gen_random_uuid(), 'Category ' || c, 'category-' || c FROM generate_series(1, 3) AS c`);
    categories = (await database.query<{ id: string }>("SELECT id FROM categories ORDER BY slug")).rows.map(
      (row) => row.id,
    );
    // Uneven categories (i % 7 over 3 slots), some without one; prices over every bucket; a third out of stock.
    await database.query(
      `INSERT INTO products (id, name, description, price_cents, currency, stock, category_id)
       SELECT gen_random_uuid(), 'Item ' || i, 'Plain', (i * 7919) % 60000, 'USD', i % 3,
         (ARRAY[$2::uuid, $3::uuid, $4::uuid, $2::uuid, $2::uuid, NULL, $3::uuid])[1 + i % 7]
       FROM generate_series(1, $1::int) AS i`,
      [PRODUCTS, ...categories],
    );
    await insertDefaultVariants(database);
    // Statistics as a live catalogue has them (a sample of the table is then smaller than the table).
    await database.query("ANALYZE products");
  });
  afterAll(async () => {
    await close?.();
  });

  const browse = (overrides: Partial<SearchQuery>) =>
    new PostgresSearchEngine({ database }).search({
      text: "",
      categoryIds: [],
      currency: "USD",
      inStockOnly: false,
      options: [],
      sort: "newest",
      skip: 0,
      take: 5,
      ...overrides,
    });

  /** What the counts should be, by SQL over the table. */
  async function expected(where: string, values: unknown[]) {
    const total = await database.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM products WHERE ${where}`,
      values,
    );
    const byCategory = await database.query<{ categoryId: string; count: number }>(
      `SELECT category_id AS "categoryId", count(*)::int AS count FROM products
       WHERE category_id IS NOT NULL AND ${where} GROUP BY 1 ORDER BY 2 DESC, 1`,
      values,
    );
    return { total: total.rows[0]!.count, categoryFacets: byCategory.rows };
  }

  it("counts the whole catalogue, a category and the in-stock products exactly, and says so", async () => {
    const all = await expected("true", []);
    expect(all.total).toBeGreaterThan(EXACT_COUNT_LIMIT);
    const whole = await browse({});
    expect(whole).toMatchObject({ totalCount: all.total, totalCountIsExact: true, categoryFacets: all.categoryFacets });
    const bucketed = whole.priceFacets.reduce((sum, facet) => sum + facet.count, 0);
    expect(bucketed).toBe(all.total);

    const inCategory = await browse({ categoryIds: [categories[0]!] });
    const first = await expected("category_id = $1", [categories[0]]);
    expect(first.total).toBeGreaterThan(EXACT_COUNT_LIMIT / 2);
    expect(inCategory).toMatchObject({ totalCount: first.total, totalCountIsExact: true });
    expect(inCategory.categoryFacets).toEqual(all.categoryFacets);

    // In stock within a category: counted through the category index. In stock alone has no index: a sample, which
    // says whether it covered everything.
    const inStockFirst = await expected("stock > 0 AND category_id = $1", [categories[0]]);
    expect(await browse({ inStockOnly: true, categoryIds: [categories[0]!] })).toMatchObject({
      totalCount: inStockFirst.total,
      totalCountIsExact: true,
    });
    const inStock = await expected("stock > 0", []);
    const anyInStock = await browse({ inStockOnly: true });
    if (anyInStock.totalCountIsExact) expect(anyInStock.totalCount).toBe(inStock.total);
    else expect(anyInStock.totalCount).toBeGreaterThan(EXACT_COUNT_LIMIT);
  });

  it("counts a small price range exactly and flags a large one as an estimate", async () => {
    const small = await expected("price_cents BETWEEN 1000 AND 9999", []);
    expect(small.total).toBeLessThan(EXACT_COUNT_LIMIT);
    expect(await browse({ minPriceCents: 1000, maxPriceCents: 9999 })).toMatchObject({
      totalCount: small.total,
      totalCountIsExact: true,
      categoryFacets: small.categoryFacets,
    });
    const large = await browse({ minPriceCents: 1000 });
    expect(large.totalCountIsExact).toBe(false);
  });

  it("counts bounds that exclude no price (a cap above every price) exactly, from the counter table", async () => {
    const all = await expected("true", []);
    expect(await browse({ minPriceCents: 0, maxPriceCents: 1_000_000 })).toMatchObject({
      totalCount: all.total,
      totalCountIsExact: true,
      categoryFacets: all.categoryFacets,
    });
    const inCategory = await expected("category_id = $1", [categories[1]]);
    expect(await browse({ maxPriceCents: 60_000, categoryIds: [categories[1]!] })).toMatchObject({
      totalCount: inCategory.total,
      totalCountIsExact: true,
      categoryFacets: all.categoryFacets,
    });
  });

  it("keeps the counts exact through re-categorising, stock and price changes and deletions", async () => {
    await database.query("UPDATE products SET category_id = $1 WHERE category_id = $2 AND price_cents < 20000", [
      categories[2],
      categories[1],
    ]);
    await database.query("UPDATE products SET stock = 0 WHERE price_cents > 50000");
    await database.query("UPDATE products SET price_cents = price_cents + 3000 WHERE stock = 2");
    await database.query("DELETE FROM products WHERE price_cents < 500");
    const all = await expected("true", []);
    expect(await browse({})).toMatchObject({
      totalCount: all.total,
      totalCountIsExact: true,
      categoryFacets: all.categoryFacets,
    });
    const inStock = await expected("stock > 0", []);
    const result = await browse({ inStockOnly: true, categoryIds: [categories[2]!] });
    expect(result.totalCount).toBe((await expected("stock > 0 AND category_id = $1", [categories[2]])).total);
    if (result.totalCountIsExact) expect(result.categoryFacets).toEqual(inStock.categoryFacets);
  });
});
