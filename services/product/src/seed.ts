import {
  createLogger,
  idFrom,
  newId,
  readConfig,
  recordEvents,
  requireCurrency,
  type Queryable,
} from "@polyscale/platform";
import { parseArgs } from "node:util";
import { productSettings } from "./config.js";
import { productChanged } from "./events.js";
import { slugFromName } from "./catalog.js";
import { drawProgress } from "./progress.js";
import * as repository from "./repository.js";
import { openProductDatabase } from "./storage.js";

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
const DAY_MS = 86_400_000;
/** Generated products' ids carry timestamps from here on (one millisecond per product), apart from real ones. */
const SEED_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The catalog's categories, each with its nouns and a typical price range in cents. */
const CATEGORIES: Array<{ name: string; nouns: string[]; minCents: number; maxCents: number }> = [
  {
    name: "Footwear",
    nouns: ["Sneakers", "Boots", "Sandals", "Loafers", "Slippers", "Running Shoes", "Hiking Boots"],
    minCents: 1_500,
    maxCents: 30_000,
  },
  {
    name: "Apparel",
    nouns: ["T-Shirt", "Hoodie", "Jacket", "Scarf", "Sweater", "Jeans", "Raincoat", "Cap"],
    minCents: 900,
    maxCents: 40_000,
  },
  {
    name: "Kitchen",
    nouns: ["Chef Knife", "Frying Pan", "Kettle", "Cutting Board", "Mixing Bowl", "Teapot", "Spatula"],
    minCents: 500,
    maxCents: 25_000,
  },
  {
    name: "Home Decor",
    nouns: ["Vase", "Lamp", "Throw Pillow", "Wall Clock", "Mirror", "Candle Holder", "Rug"],
    minCents: 1_000,
    maxCents: 60_000,
  },
  {
    name: "Garden",
    nouns: ["Planter", "Watering Can", "Pruning Shears", "Garden Hose", "Bird Feeder", "Trowel"],
    minCents: 700,
    maxCents: 15_000,
  },
  {
    name: "Outdoor",
    nouns: ["Tent", "Backpack", "Sleeping Bag", "Camping Stove", "Water Bottle", "Headlamp", "Hammock"],
    minCents: 1_200,
    maxCents: 80_000,
  },
  {
    name: "Electronics",
    nouns: ["Headphones", "Speaker", "Charger", "Keyboard", "Mouse", "Webcam", "Power Bank"],
    minCents: 1_500,
    maxCents: 120_000,
  },
  {
    name: "Books",
    nouns: ["Notebook", "Cookbook", "Journal", "Sketchbook", "Atlas", "Planner"],
    minCents: 499,
    maxCents: 6_000,
  },
  {
    name: "Toys",
    nouns: ["Puzzle", "Building Blocks", "Plush Bear", "Kite", "Board Game", "Yo-Yo", "Toy Car"],
    minCents: 500,
    maxCents: 12_000,
  },
  {
    name: "Beauty",
    nouns: ["Soap Bar", "Face Cream", "Hair Brush", "Lip Balm", "Shampoo", "Perfume"],
    minCents: 400,
    maxCents: 20_000,
  },
  {
    name: "Sports",
    nouns: ["Yoga Mat", "Dumbbell", "Tennis Racket", "Football", "Jump Rope", "Bike Helmet"],
    minCents: 800,
    maxCents: 50_000,
  },
  {
    name: "Office",
    nouns: ["Desk Organizer", "Fountain Pen", "Stapler", "Desk Chair", "Monitor Stand", "Paper Tray"],
    minCents: 300,
    maxCents: 70_000,
  },
];

const ADJECTIVES = [
  "Classic",
  "Modern",
  "Lightweight",
  "Rugged",
  "Compact",
  "Deluxe",
  "Vintage",
  "Handmade",
  "Ergonomic",
  "Premium",
  "Everyday",
  "Waterproof",
  "Slim",
  "Cozy",
  "Sturdy",
  "Minimalist",
  "Portable",
  "Foldable",
  "Organic",
  "Heritage",
];
const MATERIALS = [
  "Leather",
  "Cotton",
  "Wool",
  "Bamboo",
  "Steel",
  "Oak",
  "Walnut",
  "Ceramic",
  "Linen",
  "Canvas",
  "Recycled",
  "Glass",
  "Copper",
  "Silicone",
  "Aluminum",
  "Cork",
  "Marble",
  "Hemp",
];
const COLORS = [
  "Black",
  "White",
  "Navy",
  "Olive",
  "Sand",
  "Charcoal",
  "Crimson",
  "Forest Green",
  "Sky Blue",
  "Mustard",
];
const FEATURES = [
  "Built to last for years of daily use",
  "Easy to clean and quick to dry",
  "Designed with comfort in mind",
  "Light enough to take anywhere",
  "Finished by hand in small batches",
  "Backed by a two-year warranty",
  "Made from responsibly sourced materials",
  "A favourite of our customers",
];
const USES = [
  "Perfect as a gift",
  "Great for travel and weekends away",
  "Ideal for small spaces",
  "Works well at home or in the office",
  "Suited to beginners and experts alike",
  "A reliable companion for every season",
];

/** mulberry32: small, fast and good enough for test data; the same seed always gives the same sequence. */
function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface GeneratedProduct {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  categoryIndex: number;
  stock: number;
  ageMs: number;
}

function generator(seed: number): () => GeneratedProduct {
  const random = randomGenerator(seed);
  // Ids from a stream of their own, so that they stay the same if the product fields are generated differently.
  const idRandom = randomGenerator(seed ^ 0x5bd1e995);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let index = 0;
  return () => {
    const id = idFrom(
      SEED_EPOCH_MS + index++,
      Uint8Array.from({ length: 16 }, () => Math.floor(idRandom() * 256)),
    );
    const categoryIndex = Math.floor(random() * CATEGORIES.length);
    const category = CATEGORIES[categoryIndex]!;
    const adjective = pick(ADJECTIVES);
    const material = pick(MATERIALS);
    const noun = pick(category.nouns);
    const color = random() < 0.4 ? `${pick(COLORS)} ` : "";
    const edition = random() < 0.15 ? pick([" Pro", " Mini", " XL", " II"]) : "";
    // Log-uniform between the category's bounds, ending in 99 cents like real price tags.
    const spread = Math.log(category.maxCents / category.minCents);
    const dollars = Math.exp(Math.log(category.minCents) + random() * spread) / 100;
    return {
      id,
      name: `${adjective} ${color}${material} ${noun}${edition}`,
      description:
        `${/^[AEIOU]/.test(adjective) ? "An" : "A"} ${adjective.toLowerCase()} ${noun.toLowerCase()} ` +
        `in ${color.toLowerCase()}${material.toLowerCase()}. ` +
        `${pick(FEATURES)}. ${pick(USES)}.`,
      priceCents: Math.floor(dollars) * 100 + 99,
      categoryIndex,
      stock: random() < 0.1 ? 0 : 1 + Math.floor(random() * 500),
      ageMs: Math.floor(random() * 365 * DAY_MS),
    };
  };
}

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
class UsageError extends Error {}

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
  const next = generator(parseCount("seed", values.seed, 2 ** 32 - 1));

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
  console.error(error instanceof Error ? error.message : String(error));
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exitCode = 1;
});
