import type { Database } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../storage.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import { RANKED_CANDIDATES } from "./postgres-text-search.js";
import type { SearchQuery } from "../model.js";
import { EXACT_COUNT_LIMIT } from "./search-engine.js";
import { searchQuery as query } from "./test-search-query.js";
import { searchPlan, type PlacedPlanNode } from "./test-search-plans.js";
import { insertDefaultVariants } from "../repository.js";

/**
 * The plans PostgreSQL chooses for search statements at catalogue scale: every text query reads products through the
 * GIN index, browsing through btree indexes, and no search reads the products table from end to end. Plans depend on
 * table statistics, so this runs on real PostgreSQL (TEST_DATABASE_URL) over 100,000 generated products.
 */

const PRODUCTS = 100_000;
const INDEXES = ["products_search_vector_idx", "products_name_normalized_idx"];

/**
 * Fills the catalogue in a few statements: 1,650 kinds of product (adjective × material × noun, 12 categories) whose
 * vectors are computed once by the migration's own search_lexemes, repeated over PRODUCTS rows with varied prices,
 * stock and ages. The indexes are rebuilt afterwards from their own definitions, as bulk loads do.
 */
async function fillCatalogue(database: Database): Promise<void> {
  await database.query(`INSERT INTO categories (id, name, slug)
    SELECT gen_random_uuid(), 'Category ' || c, 'category-' || c FROM generate_series(1, 12) AS c`);
  await database.query(`CREATE TABLE kinds AS
    SELECT k, name, category,
      search_lexemes(name, 'A') || search_lexemes('Category ' || category, 'B')
        || search_lexemes('Built to last for years of daily use', 'C') AS vector
    FROM (
      SELECT k,
        (ARRAY['Classic','Modern','Rugged','Compact','Deluxe','Vintage','Handmade','Premium','Slim','Cozy'])[1 + k % 10]
        || ' ' || (ARRAY['Leather','Cotton','Wool','Bamboo','Steel','Oak','Walnut','Glass','Copper','Cork','Marble'])
          [1 + k / 10 % 11]
        || ' ' || (ARRAY['Boots','Jacket','Kettle','Lamp','Planter','Tent','Charger','Notebook','Puzzle','Shampoo',
                         'Dumbbell','Stapler','Sneakers','Hoodie','Teapot'])[1 + k / 110 % 15] AS name,
        1 + k % 12 AS category
      FROM generate_series(0, 1649) AS k
    ) AS generated`);
  await database.query("SELECT search_remember_words(vector) FROM kinds");
  await database.query("ANALYZE kinds");
  const definitions = await database.query<{ indexdef: string }>(
    "SELECT indexdef FROM pg_indexes WHERE tablename = 'products' AND indexname = ANY($1)",
    [INDEXES],
  );
  expect(definitions.rows).toHaveLength(INDEXES.length);
  await database.transaction(async (tx) => {
    await tx.query("ALTER TABLE products DISABLE TRIGGER products_search_vector_trigger");
    await tx.query(`DROP INDEX ${INDEXES.join(", ")}`);
    await tx.query(
      `INSERT INTO products (id, name, description, price_cents, currency, category_id, stock, created_at, search_vector)
       SELECT gen_random_uuid(), kinds.name || ' ' || i, 'Built to last for years of daily use', 99 + (i * 7919) % 50000,
         'USD', (SELECT id FROM categories WHERE slug = 'category-' || kinds.category), i % 10,
         now() - i * interval '1 minute', kinds.vector
       FROM generate_series(1, $1::int) AS i JOIN kinds ON kinds.k = i % 1650`,
      [PRODUCTS],
    );
    await insertDefaultVariants(tx);
    await tx.query("ALTER TABLE products ENABLE TRIGGER products_search_vector_trigger");
    for (const { indexdef } of definitions.rows) await tx.query(indexdef);
  });
  await database.query("DROP TABLE kinds");
  await database.query("VACUUM ANALYZE products");
}

const postgres = databaseBackends().find((backend) => backend.name === "postgres");

describe.runIf(postgres)(`search plans over ${PRODUCTS.toLocaleString("en-US")} products`, () => {
  let database: Database;
  let close: () => Promise<void>;
  let categoryId: string;

  beforeAll(async () => {
    const test = await postgres!.open(migrationsDir);
    database = test.database;
    close = test.close;
    await fillCatalogue(database);
    categoryId = (await database.query<{ id: string }>("SELECT id FROM categories WHERE slug = 'category-3'")).rows[0]!
      .id;
  }, 300_000);
  afterAll(async () => {
    await close?.();
  });

  const planOf = (search: SearchQuery) => searchPlan(database, search);

  const scansOfProducts = (nodes: PlacedPlanNode[]) =>
    nodes.filter((node) => node["Relation Name"] === "products").map((node) => node["Node Type"]);

  const textCases: Array<[string, Partial<SearchQuery>]> = [
    ["a common word", { text: "leather" }],
    ["a rare pair of words", { text: "cozy marble teapot" }],
    ["a prefix being typed", { text: "lea" }],
    ["a typo", { text: "lether" }],
    ["two words", { text: "leather boots" }],
    ["a quoted phrase", { text: '"leather boots"' }],
    ["a stop word", { text: "we" }],
    ["a word and filters", { text: "leather", inStockOnly: true, minPriceCents: 1_000, maxPriceCents: 5_000 }],
    ["a word sorted by price", { text: "leather", sort: "price_asc" }],
    ["a word, newest first", { text: "boots", sort: "newest" }],
  ];
  it.each(textCases)("reads products for %s through the GIN index, never by sequential scan", async (_, search) => {
    const scans = scansOfProducts(await planOf(query(search)));
    expect(scans).not.toContain("Seq Scan");
    expect(scans).toContain("Bitmap Heap Scan");
  });

  const textIndexReads = (nodes: PlacedPlanNode[]) =>
    nodes.filter((node) => node["Index Name"] === "products_search_vector_idx" && (node["Actual Loops"] ?? 0) > 0);

  it("reads the GIN index once for a word and broad filters, whose matches give counts and facets alike", async () => {
    const search = query({ text: "leather", inStockOnly: true, minPriceCents: 1_000, maxPriceCents: 1_000_000 });
    expect(textIndexReads(await planOf(search))).toHaveLength(1);
  });

  it("reads a narrow filter's matches again to rank them, and counts them exactly", async () => {
    const search = query({
      text: "leather",
      categoryIds: [categoryId],
      inStockOnly: true,
      minPriceCents: 1_000,
      maxPriceCents: 9_000,
    });
    expect(textIndexReads(await planOf(search))).toHaveLength(2);
    const matching = await database.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM products
       WHERE search_vector @@ to_tsquery('polyscale_simple', 'leather') AND category_id = $1 AND stock > 0
         AND price_cents BETWEEN 1000 AND 9000`,
      [categoryId],
    );
    expect(matching.rows[0]!.count).toBeGreaterThan(20);
    const result = await new PostgresSearchEngine({ database }).search(search);
    expect(result.totalCount).toBe(matching.rows[0]!.count);
    expect(result.products).toHaveLength(20);
    // The facets still come from the first matches of the word alone: an estimate.
    expect(result.totalCountIsExact).toBe(false);
  });

  it("finds a category's matches through the GIN index too", async () => {
    const scans = scansOfProducts(await planOf(query({ text: "leather", categoryIds: [categoryId] })));
    expect(scans).not.toContain("Seq Scan");
  });

  const browseCases: Array<[string, Partial<SearchQuery>]> = [
    ["newest first", { sort: "newest" }],
    ["by price", { sort: "price_asc", inStockOnly: true }],
    ["in a price range", { sort: "price_desc", minPriceCents: 10_000, maxPriceCents: 12_000 }],
  ];
  it.each(browseCases)("browses %s through a btree index with a limit", async (_, search) => {
    const nodes = await planOf(query(search));
    expect(scansOfProducts(nodes)).not.toContain("Seq Scan");
    expect(nodes.map((node) => node["Node Type"])).toContain("Limit");
    expect(nodes.some((node) => node["Node Type"] === "Index Scan" && node["Relation Name"] === "products")).toBe(true);
  });

  it("ranks an exact title first however many products match the word before it, and estimates the count", async () => {
    // Added last, so it lies beyond the first matches in table order that the engine counts and ranks.
    await database.query(
      `INSERT INTO products (id, name, description, price_cents, currency, stock)
       VALUES (gen_random_uuid(), 'Leather', 'Full-grain hide, sold by the square foot', 2500, 'USD', 3)`,
    );
    await insertDefaultVariants(database);
    const matching = await database.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM products WHERE search_vector @@ to_tsquery('polyscale_simple', 'leather')",
    );
    expect(matching.rows[0]!.count).toBeGreaterThan(EXACT_COUNT_LIMIT + RANKED_CANDIDATES);
    const result = await new PostgresSearchEngine({ database }).search(query({ text: "leather" }));
    expect(result.products[0]!.name).toBe("Leather");
    expect(result.products).toHaveLength(20);
    expect(result.totalCountIsExact).toBe(false);
    // Extrapolated from the part of the table the first matches came from: right within a third either way here.
    expect(result.totalCount).toBeGreaterThan(matching.rows[0]!.count / 1.3);
    expect(result.totalCount).toBeLessThan(matching.rows[0]!.count * 1.3);
  });

  it("counts a category's share of a common word exactly: one category holds too few of the first matches", async () => {
    const inCategory = await database.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM products
       WHERE search_vector @@ to_tsquery('polyscale_simple', 'leather') AND category_id = $1`,
      [categoryId],
    );
    expect(inCategory.rows[0]!.count).toBeLessThan(EXACT_COUNT_LIMIT);
    const result = await new PostgresSearchEngine({ database }).search(
      query({ text: "leather", categoryIds: [categoryId] }),
    );
    expect(result.totalCount).toBe(inCategory.rows[0]!.count);
    expect(result.products).toHaveLength(20);
  });

  it("browses one category without reading the whole table", async () => {
    const scans = scansOfProducts(await planOf(query({ sort: "newest", categoryIds: [categoryId] })));
    expect(scans).not.toContain("Seq Scan");
  });
});
