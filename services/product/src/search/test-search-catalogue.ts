/** The behaviour suite's general catalogue: featured products in three categories, reported cases, notebooks. */
import type { SeedProduct } from "../test-search-seed.js";

const featured: SeedProduct[] = [
  {
    name: "Trail Running Shoes",
    description: "Lightweight and grippy on rough paths.",
    priceCents: 8999,
    stock: 5,
    categoryName: "Footwear",
  },
  {
    name: "Leather Boots",
    description: "Waterproof boots that pair well with wool socks.",
    priceCents: 12999,
    stock: 0,
    categoryName: "Footwear",
  },
  {
    name: "Canvas Sneakers",
    description: "Casual everyday shoes.",
    priceCents: 4999,
    stock: 12,
    categoryName: "Footwear",
  },
  {
    name: "Wool Socks",
    description: "Warm socks to wear with running shoes.",
    priceCents: 999,
    stock: 40,
    categoryName: "Footwear",
  },
  {
    name: "Chef Knife",
    description: "Forged steel blade that holds its edge.",
    priceCents: 7500,
    stock: 3,
    categoryName: "Kitchen",
  },
  {
    name: "Cast Iron Pan",
    description: "Heavy skillet that lasts for generations.",
    priceCents: 3999,
    stock: 0,
    categoryName: "Kitchen",
  },
  {
    name: "Stovetop Kettle",
    description: "Whistles when the water boils.",
    priceCents: 2500,
    stock: 7,
    categoryName: "Kitchen",
  },
  {
    name: "Soup Cookbook",
    description: "Recipes for every season.",
    priceCents: 1999,
    stock: 9,
    categoryName: "Books",
  },
  {
    name: "Mystery Novel",
    description: "A detective story set in a lighthouse.",
    priceCents: 1299,
    stock: 0,
    categoryName: "Books",
  },
  { name: "Gift Card", description: "Redeemable for anything in the store.", priceCents: 5000, stock: 100 },
];

/** The cases of issue 13, from other shops' bug reports: accents, other scripts, stop-word titles, typos. */
const reported: SeedProduct[] = [
  {
    name: "Café crème cups",
    description: "Two porcelain cups for coffee.",
    priceCents: 2400,
    stock: 6,
    categoryName: "Tableware",
  },
  {
    name: "Cafe table",
    description: "Round bistro table for two.",
    priceCents: 15900,
    stock: 2,
    categoryName: "Furniture",
  },
  {
    name: "Μέλι θυμαρίσιο",
    description: "Θυμαρίσιο μέλι από την Κρήτη.",
    priceCents: 1450,
    stock: 20,
    categoryName: "Pantry",
  },
  { name: "We", description: "A dystopian novel.", priceCents: 1100, stock: 4, categoryName: "Novels" },
  {
    name: "Wedding album",
    description: "Linen-bound, for photographs.",
    priceCents: 3900,
    stock: 3,
    categoryName: "Novels",
  },
  { name: "Wearable lamp", description: "Clips to a collar.", priceCents: 2900, stock: 8, categoryName: "Furniture" },
  { name: "Weekend bag", description: "Canvas holdall.", priceCents: 7900, stock: 5, categoryName: "Furniture" },
  {
    name: "Pruning Shears",
    description: "Bypass blades for clean cuts.",
    priceCents: 2200,
    stock: 9,
    categoryName: "Garden",
  },
  {
    name: "Lantern",
    description: "Solar lantern in a wrought iron frame.",
    priceCents: 3100,
    stock: 4,
    categoryName: "Garden",
  },
];

/** Many products with repeated prices, so pagination has ties to break. */
const notebooks: SeedProduct[] = Array.from({ length: 30 }, (_, index) => ({
  name: `Dotted Notebook ${index + 1}`,
  description: "Paper notebook with a stitched spine.",
  priceCents: 500 + (index % 5) * 1000,
  stock: index % 3,
  categoryName: "Books",
}));

/** Every product above, in this order. */
export const generalCatalogue: SeedProduct[] = [...featured, ...reported, ...notebooks];
