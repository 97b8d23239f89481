/**
 * The fixed catalogue and the judged queries of the relevance suite (relevance.ts: the product service's search tests
 * assert its score on every engine, the benchmark reports it per run). About 400 products: background generated
 * deterministically from word lists in five languages (so common words match dozens of products and the targets
 * must be ranked out of a crowd), plus hand-written products that the queries aim at. Grades say what a shopper
 * typing the query means: 3 the product they want, 2 clearly relevant, 1 related; anything unjudged counts 0. Grades
 * were written from the query, not from any engine's output.
 */

/** A product of the catalogue; categoryName is created once per name when it is seeded. Prices are USD. */
export interface RelevanceProduct {
  name: string;
  description: string;
  priceCents: number;
  stock: number;
  categoryName?: string;
}

const ENGLISH = {
  adjectives: ["Classic", "Compact", "Rustic", "Modern", "Vintage", "Sturdy", "Portable", "Deluxe"],
  materials: ["oak", "steel", "linen", "bamboo", "ceramic", "wool"],
  categories: {
    Furniture: ["Shelf", "Stool", "Bench", "Desk", "Wardrobe"],
    Kitchen: ["Bowl", "Mug", "Tray", "Ladle", "Teapot"],
    Garden: ["Planter", "Hose", "Rake", "Birdhouse"],
    Electronics: ["Charger", "Speaker", "Cable", "Adapter", "Lamp"],
    Apparel: ["Scarf", "Jacket", "Gloves", "Hat"],
  },
};

/** Other languages: [category, adjectives, nouns, the sentence that ends every description]. */
const OTHER_LANGUAGES: Array<[string, string[], string[], string]> = [
  [
    "Maison",
    ["Élégant", "Rustique", "Léger", "Pratique"],
    ["Chaise", "Tasse", "Assiette", "Coussin", "Théière"],
    "Fabriqué en France.",
  ],
  [
    "Haushalt",
    ["Praktisch", "Robust", "Schön", "Groß"],
    ["Stuhl", "Becher", "Teller", "Kissen", "Kanne"],
    "Hergestellt in Österreich.",
  ],
  [
    "Greek Crafts",
    ["Κλασικό", "Μοντέρνο", "Ελαφρύ", "Μεγάλο"],
    ["Τραπέζι", "Φλιτζάνι", "Πιάτο", "Μαξιλάρι", "Βάζο"],
    "Χειροποίητο στην Ελλάδα.",
  ],
  [
    "Russian Crafts",
    ["Классический", "Современный", "Лёгкий", "Большой"],
    ["Стул", "Кружка", "Тарелка", "Подушка", "Ваза"],
    "Сделано в России.",
  ],
];

function generated(): RelevanceProduct[] {
  const products: RelevanceProduct[] = [];
  let n = 0;
  for (const [categoryName, nouns] of Object.entries(ENGLISH.categories)) {
    for (const noun of nouns) {
      ENGLISH.adjectives.forEach((adjective, index) => {
        const material = ENGLISH.materials[(index + noun.length) % ENGLISH.materials.length]!;
        n++;
        products.push({
          name: `${adjective} ${material[0]!.toUpperCase()}${material.slice(1)} ${noun}`,
          description: `A ${adjective.toLowerCase()} ${noun.toLowerCase()} made of ${material}, model ${n}.`,
          priceCents: 500 + ((n * 7919) % 30_000),
          stock: n % 4,
          categoryName,
        });
      });
    }
  }
  for (const [categoryName, adjectives, nouns, sentence] of OTHER_LANGUAGES) {
    for (const noun of nouns) {
      for (const adjective of adjectives) {
        n++;
        products.push({
          name: `${noun} ${adjective.toLowerCase()}`,
          description: `${noun} ${adjective.toLowerCase()} ${n}. ${sentence}`,
          priceCents: 500 + ((n * 7919) % 30_000),
          stock: n % 4,
          categoryName,
        });
      }
    }
  }
  return products;
}

const p = (name: string, description: string, categoryName: string, priceCents = 2_500): RelevanceProduct => ({
  name,
  description,
  priceCents,
  stock: 5,
  categoryName,
});

/** The products the queries aim at, beside neighbours that share some of their words. */
const targets: RelevanceProduct[] = [
  p("Trail Running Shoes", "Lightweight and grippy on rough paths.", "Footwear", 8_999),
  p("Road Running Shoes", "Cushioned shoes for asphalt.", "Footwear", 9_999),
  p("Running Socks", "Thin socks that wick sweat, for running shoes.", "Footwear", 1_299),
  p("Running Shorts", "Light shorts with a key pocket.", "Apparel", 2_999),
  p("Leather Boots", "Waterproof boots that pair well with wool socks.", "Footwear", 12_999),
  p("Wool Socks", "Warm socks for winter walks.", "Footwear", 999),
  p("Canvas Sneakers", "Casual everyday shoes.", "Footwear", 4_999),
  p("Pruning Shears", "Bypass blades for clean cuts.", "Garden", 2_200),
  p("Chef Knife", "Forged steel blade that holds its edge.", "Kitchen", 7_500),
  p("Bread Knife", "Serrated blade for crusty loaves.", "Kitchen", 3_500),
  p("Knife Sharpener", "Two-stage sharpener for kitchen knives.", "Kitchen", 1_900),
  p("Cast Iron Pan", "Heavy skillet that lasts for generations.", "Kitchen", 3_999),
  p("Cast Iron Dutch Oven", "Enamelled pot for slow cooking.", "Kitchen", 8_900),
  p("Iron Cast Figurine", "A small figure of a cat, cast in iron.", "Home", 1_500),
  p("Electric Kettle", "Boils a litre in three minutes.", "Kitchen", 3_900),
  p("Stovetop Kettle", "Whistles when the water boils.", "Kitchen", 2_500),
  p("Café crème cups", "Two porcelain cups for coffee.", "Tableware", 2_400),
  p("Cafe table", "Round bistro table for two.", "Furniture", 15_900),
  p("Crème brûlée torch", "Butane torch for caramelising sugar.", "Kitchen", 2_900),
  p("Coffee Grinder", "Burr grinder for espresso and filter coffee.", "Kitchen", 6_900),
  p("Espresso Machine", "Fifteen bar pump, steam wand for café drinks at home.", "Kitchen", 24_900),
  p("USB-C Charging Cable", "Two metres, braided, 60 W.", "Electronics", 1_299),
  p("USB-C to HDMI Adapter", "4K output from a laptop's USB-C port.", "Electronics", 2_499),
  p("USB-A to USB-C Cable", "For older chargers.", "Electronics", 999),
  p("USB Hub 4-Port", "Four USB-A ports on one cable.", "Electronics", 1_999),
  p("Lightning Cable", "Charging cable for older phones.", "Electronics", 1_499),
  p("Wireless Noise Cancelling Headphones", "Over-ear, thirty hours of battery.", "Electronics", 19_900),
  p("Wired Earbuds", "In-ear headphones with a microphone.", "Electronics", 1_900),
  p("Bluetooth Speaker", "Waterproof wireless speaker.", "Electronics", 4_900),
  p("The C++ Programming Language", "The reference by the language's creator.", "Books", 5_999),
  p("C Programming Handbook", "Pointers, memory and the standard library.", "Books", 3_999),
  p("C# in Depth", "The language and its runtime.", "Books", 4_499),
  p("Effective Modern C++", "Forty-two ways to improve your C++11 and C++14.", "Books", 4_299),
  p("We", "A dystopian novel.", "Books", 1_100),
  p("It", "A horror novel about a clown.", "Books", 1_400),
  p("Wedding album", "Linen-bound, for photographs.", "Home", 3_900),
  p("Weekend bag", "Canvas holdall.", "Apparel", 7_900),
  p("Wearable lamp", "Clips to a collar.", "Electronics", 2_900),
  p("Lantern", "Solar lantern in a wrought iron frame.", "Garden", 3_100),
  p("Garden Hose Reel", "Holds thirty metres of hose.", "Garden", 4_900),
  p("Μέλι θυμαρίσιο", "Θυμαρίσιο μέλι από την Κρήτη.", "Pantry", 1_450),
  p("Ελαιόλαδο παρθένο", "Παρθένο ελαιόλαδο από τη Λακωνία.", "Pantry", 1_950),
  p("Чайник электрический", "Электрический чайник, 1,7 литра.", "Kitchen", 3_400),
  p("Матрёшка", "Деревянная матрёшка, пять фигурок.", "Home", 2_100),
  p("Schlüsselanhänger", "Schlüsselanhänger aus Leder.", "Apparel", 900),
  p("Müsli mit Früchten", "Haferflocken, Nüsse und getrocknete Früchte.", "Pantry", 600),
  p("Crêpe pan", "Flat pan for thin pancakes.", "Kitchen", 2_900),
  p("Yoga Mat", "Non-slip mat, six millimetres thick.", "Sports", 2_900),
  p("Yoga Blocks", "Two cork blocks for support.", "Sports", 1_900),
  p("Mountain Bike Helmet", "Ventilated helmet with a visor.", "Sports", 6_900),
  p("Bike Lights Set", "Front and rear lights, USB-C rechargeable.", "Sports", 2_900),
  p("Headlamp", "Rechargeable head torch for running at night.", "Sports", 3_900),
];

export const relevanceCatalogue: RelevanceProduct[] = [...generated(), ...targets];

export type RelevanceQueryKind =
  | "exact title"
  | "accent"
  | "typo"
  | "prefix"
  | "stop word"
  | "multi-word"
  | "symbols"
  | "quotes"
  | "other script"
  | "category word";

/** A query and what a shopper means by it: product name → grade (3 wanted, 2 relevant, 1 related). */
export interface RelevanceQuery {
  text: string;
  kind: RelevanceQueryKind;
  grades: Record<string, number>;
}

export const relevanceQueries: RelevanceQuery[] = [
  // exact titles
  { text: "Trail Running Shoes", kind: "exact title", grades: { "Trail Running Shoes": 3, "Road Running Shoes": 2 } },
  { text: "chef knife", kind: "exact title", grades: { "Chef Knife": 3, "Bread Knife": 1, "Knife Sharpener": 1 } },
  {
    text: "electric kettle",
    kind: "exact title",
    grades: { "Electric Kettle": 3, "Stovetop Kettle": 1, "Чайник электрический": 2 },
  },
  { text: "lantern", kind: "exact title", grades: { Lantern: 3 } },
  { text: "yoga mat", kind: "exact title", grades: { "Yoga Mat": 3, "Yoga Blocks": 1 } },
  { text: "wool socks", kind: "exact title", grades: { "Wool Socks": 3, "Running Socks": 1, "Leather Boots": 1 } },
  { text: "coffee grinder", kind: "exact title", grades: { "Coffee Grinder": 3, "Espresso Machine": 1 } },
  { text: "Rustic Steel Shelf", kind: "exact title", grades: { "Rustic Steel Shelf": 3 } },
  { text: "Bluetooth Speaker", kind: "exact title", grades: { "Bluetooth Speaker": 3 } },
  // accents, both ways
  { text: "cafe", kind: "accent", grades: { "Café crème cups": 3, "Cafe table": 3, "Espresso Machine": 1 } },
  { text: "café", kind: "accent", grades: { "Café crème cups": 3, "Cafe table": 3, "Espresso Machine": 1 } },
  { text: "creme brulee", kind: "accent", grades: { "Crème brûlée torch": 3, "Café crème cups": 1 } },
  { text: "crepe", kind: "accent", grades: { "Crêpe pan": 3 } },
  { text: "schlusselanhanger", kind: "accent", grades: { Schlüsselanhänger: 3 } },
  { text: "musli", kind: "accent", grades: { "Müsli mit Früchten": 3 } },
  {
    text: "theiere",
    kind: "accent",
    grades: Object.fromEntries(["élégant", "rustique", "léger", "pratique"].map((a) => [`Théière ${a}`, 3])),
  },
  // typos
  { text: "sheos", kind: "typo", grades: { "Trail Running Shoes": 3, "Road Running Shoes": 3, "Canvas Sneakers": 1 } },
  { text: "kettel", kind: "typo", grades: { "Electric Kettle": 3, "Stovetop Kettle": 3 } },
  { text: "headphnoes", kind: "typo", grades: { "Wireless Noise Cancelling Headphones": 3, "Wired Earbuds": 2 } },
  { text: "lanturn", kind: "typo", grades: { Lantern: 3 } },
  { text: "wrougth iron", kind: "typo", grades: { Lantern: 3 } },
  { text: "chraging cable", kind: "typo", grades: { "USB-C Charging Cable": 3, "Lightning Cable": 2 } },
  { text: "espreso machine", kind: "typo", grades: { "Espresso Machine": 3, "Coffee Grinder": 1 } },
  { text: "sneekers", kind: "typo", grades: { "Canvas Sneakers": 3 } },
  { text: "helmut", kind: "typo", grades: { "Mountain Bike Helmet": 3 } },
  // prefixes, as typed
  { text: "lant", kind: "prefix", grades: { Lantern: 3 } },
  { text: "headph", kind: "prefix", grades: { "Wireless Noise Cancelling Headphones": 3, "Wired Earbuds": 1 } },
  { text: "sneak", kind: "prefix", grades: { "Canvas Sneakers": 3 } },
  {
    text: "running sho",
    kind: "prefix",
    grades: { "Trail Running Shoes": 3, "Road Running Shoes": 3, "Running Socks": 1 },
  },
  { text: "espre", kind: "prefix", grades: { "Espresso Machine": 3, "Coffee Grinder": 2 } },
  { text: "dutch ov", kind: "prefix", grades: { "Cast Iron Dutch Oven": 3 } },
  { text: "mountain bi", kind: "prefix", grades: { "Mountain Bike Helmet": 3 } },
  // stop words that are whole titles, and queries with stop words
  { text: "we", kind: "stop word", grades: { We: 3 } },
  { text: "it", kind: "stop word", grades: { It: 3 } },
  {
    text: "the c++ programming language",
    kind: "stop word",
    grades: { "The C++ Programming Language": 3, "Effective Modern C++": 1, "C Programming Handbook": 1 },
  },
  { text: "cups for coffee", kind: "stop word", grades: { "Café crème cups": 3, "Coffee Grinder": 1 } },
  { text: "bag for the weekend", kind: "stop word", grades: { "Weekend bag": 3 } },
  // several words
  {
    text: "wireless headphones",
    kind: "multi-word",
    grades: { "Wireless Noise Cancelling Headphones": 3, "Wired Earbuds": 1 },
  },
  { text: "noise cancelling headphones", kind: "multi-word", grades: { "Wireless Noise Cancelling Headphones": 3 } },
  { text: "waterproof boots", kind: "multi-word", grades: { "Leather Boots": 3 } },
  { text: "garden hose", kind: "multi-word", grades: { "Garden Hose Reel": 3, ...gen("Hose", 1) } },
  { text: "bamboo shelf", kind: "multi-word", grades: genMatching("Bamboo", "Shelf", 3) },
  { text: "bike helmet", kind: "multi-word", grades: { "Mountain Bike Helmet": 3, "Bike Lights Set": 1 } },
  { text: "knife for bread", kind: "multi-word", grades: { "Bread Knife": 3, "Chef Knife": 1 } },
  // SKU-like and symbols
  {
    text: "USB-C",
    kind: "symbols",
    grades: {
      "USB-C Charging Cable": 3,
      "USB-C to HDMI Adapter": 3,
      "USB-A to USB-C Cable": 3,
      "Bike Lights Set": 1,
      "USB Hub 4-Port": 1,
    },
  },
  {
    text: "usb-c cable",
    kind: "symbols",
    grades: { "USB-C Charging Cable": 3, "USB-A to USB-C Cable": 3, "Lightning Cable": 1, "USB Hub 4-Port": 1 },
  },
  { text: "usb c hdmi", kind: "symbols", grades: { "USB-C to HDMI Adapter": 3 } },
  {
    text: "C++",
    kind: "symbols",
    grades: { "The C++ Programming Language": 3, "Effective Modern C++": 3, "C Programming Handbook": 1 },
  },
  { text: "c#", kind: "symbols", grades: { "C# in Depth": 3 } },
  { text: "4-port hub", kind: "symbols", grades: { "USB Hub 4-Port": 3 } },
  // quotes
  {
    text: '"cast iron"',
    kind: "quotes",
    grades: { "Cast Iron Pan": 3, "Cast Iron Dutch Oven": 3, "Iron Cast Figurine": 1 },
  },
  {
    text: '"running shoes"',
    kind: "quotes",
    grades: { "Trail Running Shoes": 3, "Road Running Shoes": 3, "Running Socks": 1 },
  },
  { text: '"wrought iron" lantern', kind: "quotes", grades: { Lantern: 3 } },
  // other scripts
  { text: "μελι", kind: "other script", grades: { "Μέλι θυμαρίσιο": 3 } },
  { text: "ελαιολαδο", kind: "other script", grades: { "Ελαιόλαδο παρθένο": 3 } },
  { text: "ΜΈΛΙ ΘΥΜΑΡΊΣΙΟ", kind: "other script", grades: { "Μέλι θυμαρίσιο": 3 } },
  { text: "чайник", kind: "other script", grades: { "Чайник электрический": 3 } },
  { text: "матрешка", kind: "other script", grades: { Матрёшка: 3 } },
  { text: "кружка", kind: "other script", grades: gen("Кружка", 3) },
  { text: "φλιτζάνι μοντέρνο", kind: "other script", grades: { "Φλιτζάνι μοντέρνο": 3, ...gen("Φλιτζάνι", 1) } },
  // a word of the category or description only
  { text: "teapot", kind: "category word", grades: gen("Teapot", 3) },
  { text: "skillet", kind: "category word", grades: { "Cast Iron Pan": 3 } },
  { text: "serrated", kind: "category word", grades: { "Bread Knife": 3 } },
];

/** Grades every generated product whose name contains `word`. */
function gen(word: string, grade: number): Record<string, number> {
  return genMatching(word, word, grade);
}

/** Grades every generated product whose name contains both words. */
function genMatching(first: string, second: string, grade: number): Record<string, number> {
  return Object.fromEntries(
    generated()
      .filter((product) => product.name.includes(first) && product.name.includes(second))
      .map((product) => [product.name, grade]),
  );
}
