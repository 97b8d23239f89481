import type { Database } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../storage.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import { RANKED_CANDIDATES } from "./postgres-text-search.js";
import type { SearchSortOrder } from "../model.js";
import { EXACT_COUNT_LIMIT } from "./search-engine.js";
import { insertDefaultVariants } from "../repository.js";

/**
 * Paging reaches every match exactly once, under every order, both when the count is exact (more matches than
 * relevance ranks) and when it is an estimate (more than EXACT_COUNT_LIMIT matches): 1,500 products, "wool" in every
 * other name (750), "warm" in every description (1,500).
 */
const PRODUCTS = 1_500;
const TAKE = 100;

describe.each(databaseBackends())("PostgresSearchEngine paging on $name", (backend) => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const test = await backend.open(migrationsDir);
    database = test.database;
    close = test.close;
    await database.query(
      `INSERT INTO products (id, name, description, price_cents, currency, stock, created_at)
       SELECT gen_random_uuid(), CASE WHEN i % 2 = 0 THEN 'Wool socks ' ELSE 'Cotton shirt ' END || i,
         'Warm and soft', 100 + (i * 7919) % 900, 'USD', i % 3, now() - (i % 50) * interval '1 minute'
       FROM generate_series(1, $1::int) AS i`,
      [PRODUCTS],
    );
    await insertDefaultVariants(database);
  });
  afterAll(async () => {
    await close?.();
  });

  const cases: Array<[string, number]> = [
    ["wool", PRODUCTS / 2],
    ["warm", PRODUCTS],
  ];
  const sorts: SearchSortOrder[] = ["relevance", "price_asc", "price_desc", "newest"];

  it.each(cases.flatMap(([word, count]) => sorts.map((sort) => [word, count, sort] as const)))(
    "pages through every match of %s (%i) once, sorted by %s",
    async (word, count, sort) => {
      expect(count).toBeGreaterThan(RANKED_CANDIDATES + TAKE);
      const expected = await database.query<{ id: string }>(
        "SELECT id FROM products WHERE search_vector @@ to_tsquery('polyscale_simple', $1)",
        [word],
      );
      expect(expected.rows).toHaveLength(count);
      const engine = new PostgresSearchEngine({ database });
      const seen: string[] = [];
      for (let skip = 0; ; skip += TAKE) {
        const page = await engine.search({
          text: word,
          categoryIds: [],
          currency: "USD",
          inStockOnly: false,
          options: [],
          sort,
          skip,
          take: TAKE,
        });
        expect(page.totalCountIsExact).toBe(count <= EXACT_COUNT_LIMIT);
        if (page.totalCountIsExact) expect(page.totalCount).toBe(count);
        seen.push(...page.products.map((product) => product.id));
        if (page.products.length < TAKE) break;
      }
      expect(seen).toHaveLength(count);
      expect(new Set(seen)).toEqual(new Set(expected.rows.map((row) => row.id)));
    },
  );

  // Price caps that keep fewer than RANKED_CANDIDATES, about RANKED_CANDIDATES and many more of the first
  // EXACT_COUNT_LIMIT matches of "warm": the ranked head must be the same set on every page.
  it.each([130, 240, 330, 700])("pages through every match of warm under %i cents once, by relevance", async (cap) => {
    const expected = await database.query<{ id: string }>(
      "SELECT id FROM products WHERE search_vector @@ to_tsquery('polyscale_simple', 'warm') AND price_cents <= $1",
      [cap],
    );
    const engine = new PostgresSearchEngine({ database });
    const seen: string[] = [];
    for (let skip = 0; ; skip += TAKE) {
      const page = await engine.search({
        text: "warm",
        categoryIds: [],
        currency: "USD",
        maxPriceCents: cap,
        inStockOnly: false,
        options: [],
        sort: "relevance",
        skip,
        take: TAKE,
      });
      seen.push(...page.products.map((product) => product.id));
      if (page.products.length < TAKE) break;
    }
    expect(seen).toHaveLength(expected.rows.length);
    expect(new Set(seen)).toEqual(new Set(expected.rows.map((row) => row.id)));
  });
});
