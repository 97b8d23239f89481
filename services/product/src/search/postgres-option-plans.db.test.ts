import type { Database } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertDefaultVariants } from "../repository.js";
import { migrationsDir } from "../storage.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import type { SearchQuery } from "../model.js";
import { searchQuery as query } from "./test-search-query.js";
import { searchPlan } from "./test-search-plans.js";

/**
 * The plans PostgreSQL chooses for option filters (colour=red) over a few thousand products with variants: the
 * matches are read through products.option_keys' GIN index (sql/220), kept from the variants by their trigger, so a
 * filter never reads the products table, nor the variants, from end to end. Plans depend on table statistics, so the
 * catalogue is analysed as a live one would be.
 */

const PRODUCTS = 4_000;
const COLOURS = ["red", "blue", "green", "black", "white", "grey", "navy", "olive", "pink", "tan", "teal", "plum"];
const SIZES = ["S", "M", "L"];

/**
 * PRODUCTS products (the default variant of each, as created the old way), then a variant per size in one colour of
 * the product's, chosen so each colour is on 1 product in 12 (red: 333): the variants' trigger folds their option
 * values into products.option_keys, as the catalog's writes do.
 */
async function fillCatalogue(database: Database): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO products (id, name, description, price_cents, currency, stock, created_at)
       SELECT gen_random_uuid(), 'Tee ' || i, 'Cotton, in sizes', 999 + (i * 7919) % 5000, 'USD', 3,
         now() - i * interval '1 minute'
       FROM generate_series(1, $1::int) AS i`,
      [PRODUCTS],
    );
    await insertDefaultVariants(tx);
    await tx.query(
      `INSERT INTO product_variants (id, product_id, position, sku, options, price_cents, currency, stock)
       SELECT gen_random_uuid(), p.id, s.position, 'TEE-' || upper(p.id::text) || '-' || s.size,
         jsonb_build_array(jsonb_build_object('name', 'Size', 'value', s.size),
                           jsonb_build_object('name', 'Colour', 'value', ($1::text[])[1 + p.n % cardinality($1::text[])])),
         p.price_cents, 'USD', 1
       FROM (SELECT id, price_cents, row_number() OVER (ORDER BY created_at) AS n FROM products) AS p,
         unnest($2::text[]) WITH ORDINALITY AS s(size, position)`,
      [COLOURS, SIZES],
    );
  });
  await database.query("VACUUM ANALYZE products");
  await database.query("VACUUM ANALYZE product_variants");
}

const postgres = databaseBackends().find((backend) => backend.name === "postgres");

describe.runIf(postgres)(`option filter plans over ${PRODUCTS.toLocaleString("en-US")} products`, () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const test = await postgres!.open(migrationsDir);
    database = test.database;
    close = test.close;
    await fillCatalogue(database);
  }, 120_000);
  afterAll(async () => {
    await close?.();
  });

  const planOf = (search: SearchQuery) => searchPlan(database, search);

  const red = [{ name: "colour", values: ["red"] }];
  const cases: Array<[string, Partial<SearchQuery>, string[]]> = [
    // Browsing: the matches are counted (filtered_matches) and faceted by category and price, each its own read.
    ["colour=red", { options: red }, ["CTE filtered_matches", "CTE any_category", "CTE any_price"]],
    ["colour=red, cheapest first", { options: red, sort: "price_asc" }, ["CTE filtered_matches", "CTE any_price"]],
    [
      "colour=red or teal and size=m, in stock",
      {
        options: [
          { name: "colour", values: ["red", "teal"] },
          { name: "size", values: ["m"] },
        ],
        inStockOnly: true,
      },
      ["CTE filtered_matches", "CTE any_category", "CTE any_price"],
    ],
    [
      "colour=red within a price range",
      { options: red, minPriceCents: 1_000, maxPriceCents: 3_000 },
      ["CTE filtered_matches", "CTE any_category", "CTE any_price"],
    ],
    // A word: its GIN index and option_keys' are read together (a BitmapAnd), for the matches and for the page.
    ["a word and colour=red", { text: "cotton", options: red }, ["CTE matches", "main"]],
  ];
  it.each(cases)(
    "reads the products of %s through option_keys' GIN index, the variants never",
    async (_, search, parts) => {
      const nodes = await planOf(query(search));
      const shown = JSON.stringify(
        nodes.map((node) => [node.part, node["Node Type"], node["Relation Name"] ?? node["Index Name"]]),
      );
      for (const part of parts) {
        const reads = nodes.filter((node) => node.part === part);
        expect(
          reads.map((node) => node["Index Name"]),
          `${part} in ${shown}`,
        ).toContain("products_option_keys_idx");
        expect(
          reads.map((node) => node["Node Type"]),
          `${part} in ${shown}`,
        ).not.toContain("Seq Scan");
      }
      // The variants are read only for the page's products, by product id: option values are searched on the product.
      const variantReads = nodes.filter((node) => node["Relation Name"] === "product_variants");
      expect(variantReads.map((node) => node["Node Type"])).not.toContain("Seq Scan");
      // The only part that may read products in table order is the option facets' base: the products every filter but
      // the options' selects (here most of a table this small, so the planner may rather read it than the created_at
      // index), up to EXACT_COUNT_LIMIT of them; the option filter is not among its conditions.
      const sequential = nodes.filter((node) => node["Node Type"] === "Seq Scan").map((node) => node.part);
      expect(
        sequential.filter((part) => part !== "CTE option_base"),
        shown,
      ).toEqual([]);
    },
  );

  it("reads only the red products' index entries, and finds every red product exactly", async () => {
    const reds = await database.query<{ count: number }>(
      `SELECT count(DISTINCT product_id)::int AS count FROM product_variants
       WHERE options @> '[{"name": "Colour", "value": "red"}]'`,
    );
    expect(reds.rows[0]!.count).toBe(Math.floor(PRODUCTS / COLOURS.length));
    const nodes = await planOf(query({ options: red }));
    const matchesRead = nodes.find(
      (node) => node.part === "CTE filtered_matches" && node["Index Name"] === "products_option_keys_idx",
    );
    expect(matchesRead?.["Actual Rows"]).toBe(reds.rows[0]!.count);
    const result = await new PostgresSearchEngine({ database }).search(query({ options: red }));
    expect(result).toMatchObject({ totalCount: reds.rows[0]!.count, totalCountIsExact: true });
  });
});
