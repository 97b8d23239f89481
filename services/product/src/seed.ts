import {
  createLogger,
  exitOnFailure,
  newId,
  readConfig,
  recordEvents,
  requireCurrency,
  type Queryable,
} from "@polyscale/platform";
import { parseArgs } from "node:util";
import { productSettings } from "./config.js";
import { productChanged } from "./events.js";
import { slugFromName } from "./categories.js";
import { drawProgress } from "./progress.js";
import * as repository from "./repository.js";
import { openProductDatabase } from "./storage.js";
import { CATEGORIES, productGenerator } from "./seed-catalogue.js";

const USAGE = `Fills the product catalog with generated products (deterministic: the same seed gives the same catalog).

Usage: npm run seed -- [--products N] [--seed S] [--reset]
  --products N  how many products the catalog should hold from this seed (default 10000)
  --seed S      seed of the generator (default 42)
  --reset       empty the catalog first (products, categories, reservations), then seed

Running it again adds nothing that is already there: products 1..N of seed S always get the same ids, so a second
run with the same N adds none and a larger N adds the rest. Writes into PRODUCT_DATABASE_URL; \`npm run seed\` sets it
to the embedded PostgreSQL (the running system's, or one started for the seed).
With ELASTICSEARCH_URL set, the products are also queued for indexing; the product service indexes them once started.`;

const BATCH_SIZE = 2000;
const MAX_PRODUCTS = 10_000_000;
/** Creates the categories that do not exist yet (by slug) and returns the id of each, in CATEGORIES order. */
async function ensureCategories(tx: Queryable): Promise<string[]> {
  const slugs = CATEGORIES.map((category) => slugFromName(category.name));
  await tx.query(
    `INSERT INTO categories (id, name, slug)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT (slug) DO NOTHING`,
    [CATEGORIES.map(() => newId()), CATEGORIES.map((category) => category.name), slugs],
  );
  const result = await tx.query<{ id: string; slug: string }>("SELECT id, slug FROM categories WHERE slug = ANY($1)", [
    slugs,
  ]);
  const idBySlug = new Map(result.rows.map((row) => [row.slug, row.id]));
  return slugs.map((slug) => idBySlug.get(slug)!);
}

/** A mistake on the command line: answered with the usage text. */
class UsageError extends Error {
  readonly code = "USAGE_INVALID";
}

function parseCount(name: string, raw: string, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from 0 to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        products: { type: "string", default: "10000" },
        seed: { type: "string", default: "42" },
        reset: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const total = parseCount("products", values.products, MAX_PRODUCTS);
  const next = productGenerator(parseCount("seed", values.seed, 2 ** 32 - 1));

  const config = readConfig(productSettings);
  const currency = requireCurrency("DEFAULT_CURRENCY", config.defaultCurrency);
  const database = await openProductDatabase(config, createLogger("product-seed", "warn"));
  try {
    const started = Date.now();
    if (values.reset) {
      await repository.emptyCatalogue(database);
      console.error("catalog emptied");
    }
    const categoryIds = await database.transaction(ensureCategories);
    let added = 0;
    drawProgress(0, total, "products");
    for (let done = 0; done < total;) {
      const batch = Array.from({ length: Math.min(BATCH_SIZE, total - done) }, next);
      const createdAt = batch.map((product) => new Date(started - product.ageMs));
      await database.transaction(async (tx) => {
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO products
             (id, name, description, price_cents, currency, category_id, stock, created_at, updated_at)
           SELECT id, name, description, price_cents, $5, category_id, stock, created_at, created_at
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $6::uuid[], $7::bigint[], $8::timestamptz[])
             AS product (id, name, description, price_cents, category_id, stock, created_at)
           ON CONFLICT (id) DO NOTHING
           RETURNING id`,
          [
            batch.map((product) => product.id),
            batch.map((product) => product.name),
            batch.map((product) => product.description),
            batch.map((product) => product.priceCents),
            currency,
            batch.map((product) => categoryIds[product.categoryIndex]),
            batch.map((product) => product.stock),
            createdAt,
          ],
        );
        added += inserted.rows.length;
        await repository.insertDefaultVariants(
          tx,
          inserted.rows.map((row) => row.id),
        );
        // Same rule as the repository: every product created writes its event (the search indexer follows them).
        const insertedIds = new Set(inserted.rows.map((row) => row.id));
        await recordEvents(
          tx,
          batch.flatMap((product, index) =>
            insertedIds.has(product.id)
              ? [
                  productChanged("product.created", {
                    ...product,
                    currency,
                    categoryId: categoryIds[product.categoryIndex]!,
                    createdAt: createdAt[index]!,
                    updatedAt: createdAt[index]!,
                    archivedAt: null,
                    images: [],
                    attributes: [],
                  }),
                ]
              : [],
          ),
        );
      });
      done += batch.length;
      drawProgress(done, total, "products");
    }
    if (added > 0) {
      // A bulk load leaves new index entries in the GIN index's pending list, which every text search then scans
      // linearly (100,000 products: 452 pages, a browse took 170 ms instead of 8), and leaves the planner's statistics
      // behind; autovacuum would get there eventually, searches right after seeding should not wait for it.
      await database.query("VACUUM ANALYZE products");
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.error(`seeded ${added} new products in ${seconds} s (${total - added} of ${total} were already there)`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  // A mistake on the command line is answered with the usage text, then the one line every failure ends with.
  if (error instanceof UsageError) console.error(`${USAGE}\n`);
  exitOnFailure("product seed cannot run")(error);
});
