import { idFrom } from "@polyscale/platform";

/**
 * The generated catalogue of `npm run seed` (seed.ts): its categories and a deterministic generator of products from
 * word lists, so the same seed always gives the same products with the same ids.
 */

const DAY_MS = 86_400_000;
/** Generated products' ids carry timestamps from here on (one millisecond per product), apart from real ones. */
const SEED_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The catalog's categories, each with its nouns and a typical price range in cents. */
export const CATEGORIES: Array<{ name: string; nouns: string[]; minCents: number; maxCents: number }> = [
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

/** A product as the seed writes it; categoryIndex indexes CATEGORIES, ageMs is how long before the seed it was created. */
export interface GeneratedProduct {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  categoryIndex: number;
  stock: number;
  ageMs: number;
}

/**
 * The products of one seed, one per call, always the same sequence: names, descriptions, prices (log-uniform within
 * the category's range, ending in 99 cents), stock and ages drawn from the word lists above, ids from a stream of their
 * own with timestamps from SEED_EPOCH_MS on.
 */
export function productGenerator(seed: number): () => GeneratedProduct {
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
