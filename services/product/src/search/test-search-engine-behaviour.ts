import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PRICE_BUCKET_BOUNDS,
  type SearchEngine,
  type SearchQuery,
  type SearchResult,
  type SearchSortOrder,
} from "./search-engine.js";
import { relevanceCatalogue, relevanceQueries } from "@polyscale/tools/relevance-catalogue";
import { meanNdcgAt, RELEVANCE_CUTOFF, runRelevanceQueries } from "@polyscale/tools/relevance";
import type { SeededProduct, SeedProduct } from "../test-search-seed.js";

/**
 * The behaviour every SearchEngine must show, whatever it runs on. Each engine's test file calls
 * describeSearchEngineBehaviour with a setup that gives it an empty catalog to seed.
 *
 * Rules pinned here, for every engine: prices filter inclusively (min <= price <= max); each facet ignores its own
 * filter (category facets apply the text, stock and price filters; price facets the text, stock and category ones);
 * category facets are ordered by count descending, then category id; ties in every sort are broken by the product
 * id (ascending for price_asc, descending otherwise).
 */

export interface SearchEngineFixture {
  engine: SearchEngine;
  /** Stores the products (and their categories) so that the engine finds them once it resolves. */
  seed(products: SeedProduct[]): Promise<SeededProduct[]>;
  close(): Promise<void>;
}

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

/** The ids of a result's page, in order. */
export const idsOf = (result: SearchResult) => result.products.map((product) => product.id);

/** A search for the tests: everything (USD prices, relevance, first 20) unless `overrides` says otherwise. */
export function searchQuery(overrides: Partial<SearchQuery>): SearchQuery {
  return {
    text: "",
    categoryIds: [],
    currency: "USD",
    inStockOnly: false,
    options: [],
    sort: "relevance",
    skip: 0,
    take: 20,
    ...overrides,
  };
}

// The behaviour suite's catalogue is small: one page of 100 holds every match.
const query = (overrides: Partial<SearchQuery>) => searchQuery({ take: 100, ...overrides });

/**
 * Products with variants of colours and sizes, in two categories; the archived one, the hoodie's archived variant
 * (orange, XL) and the mug (no options) are never in an option facet. Option facets count products: the tee's two red variants count once.
 */
const apparel: SeedProduct[] = [
  {
    name: "Crew tee",
    description: "Cotton apparel.",
    priceCents: 1500,
    stock: 10,
    categoryName: "Apparel",
    attributes: [{ name: "Material", value: "Cotton" }],
    variantOptions: [
      [
        { name: "Size", value: "S" },
        { name: "Colour", value: "Red" },
      ],
      [
        { name: "Size", value: "M" },
        { name: "Colour", value: "Red" },
      ],
      [
        { name: "Size", value: "M" },
        { name: "Colour", value: "Blue" },
      ],
    ],
  },
  {
    name: "Zip hoodie",
    description: "Fleece apparel.",
    priceCents: 4500,
    stock: 4,
    categoryName: "Apparel",
    attributes: [{ name: "Material", value: "Fleece" }],
    variantOptions: [
      [
        { name: "size", value: "M" },
        { name: "colour", value: "blue" },
      ],
      [
        { name: "size", value: "L" },
        { name: "colour", value: "blue" },
      ],
      [
        { name: "size", value: "XL" },
        { name: "colour", value: "orange" },
      ],
    ],
    archivedVariants: [2],
  },
  {
    name: "Baseball cap",
    description: "Apparel for sunny days.",
    priceCents: 2500,
    stock: 3,
    categoryName: "Accessories",
    variantOptions: [[{ name: "Colour", value: "RÉD" }]],
  },
  {
    name: "Wool scarf",
    description: "Warm apparel.",
    priceCents: 3000,
    stock: 0,
    categoryName: "Accessories",
    variantOptions: [[{ name: "Colour", value: "Green" }]],
  },
  {
    name: "Old tee",
    description: "Retired apparel.",
    priceCents: 1000,
    stock: 5,
    categoryName: "Apparel",
    variantOptions: [[{ name: "Colour", value: "Red" }]],
    archived: true,
  },
  { name: "Mug", description: "Apparel for coffee.", priceCents: 1200, stock: 8, categoryName: "Kitchen" },
];

/** Option filters as the catalog hands them to an engine: folded (the catalog asks the database to fold them). */
const red = { name: "colour", values: ["red"] };
const blue = { name: "colour", values: ["blue"] };

/** The same amount in minor units means different prices: ¥5000, €50.00, $50.00 and BD 20.125. */
const gifts: SeedProduct[] = [
  { name: "Gift box JPY", description: "Gift", priceCents: 5000, currency: "JPY", stock: 1, categoryName: "Gifts" },
  { name: "Gift box EUR", description: "Gift", priceCents: 5000, currency: "EUR", stock: 1, categoryName: "Gifts" },
  { name: "Gift box USD", description: "Gift", priceCents: 5000, currency: "USD", stock: 1, categoryName: "Gifts" },
  { name: "Gift box BHD", description: "Gift", priceCents: 20125, currency: "BHD", stock: 1, categoryName: "Gifts" },
];

export function describeSearchEngineBehaviour(name: string, setup: () => Promise<SearchEngineFixture>): void {
  describe(`option filters and facets: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];
    const namesOf = (result: SearchResult) =>
      idsOf(result)
        .map((id) => catalog.find((product) => product.id === id)?.name)
        .sort();

    beforeAll(async () => {
      fixture = await setup();
      catalog = await fixture.seed(apparel);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("finds it by colour: a product with a variant of that value, stored in any case or with accents", async () => {
      // The cap's variant is "RÉD", the tee's "Red": both fold to the filter's "red".
      const result = await fixture.engine.search(query({ options: [red] }));
      expect(namesOf(result)).toEqual(["Baseball cap", "Crew tee"]);
      expect(result.totalCount).toBe(2);
    });

    it("ORs the values of one option and ANDs different options, over the product's variants", async () => {
      const redOrBlue = await fixture.engine.search(query({ options: [{ name: "colour", values: ["red", "blue"] }] }));
      expect(namesOf(redOrBlue)).toEqual(["Baseball cap", "Crew tee", "Zip hoodie"]);
      const large = await fixture.engine.search(
        query({
          options: [
            { name: "colour", values: ["red", "blue"] },
            { name: "size", values: ["l"] },
          ],
        }),
      );
      expect(namesOf(large)).toEqual(["Zip hoodie"]);
      expect(large.totalCount).toBe(1);
      const none = await fixture.engine.search(query({ options: [{ name: "colour", values: ["purple"] }] }));
      expect(none).toMatchObject({ totalCount: 0, products: [] });
    });

    it("leaves out an archived variant: its option values match no filter (alone or with others)", async () => {
      const orange = { name: "colour", values: ["orange"] };
      expect(await fixture.engine.search(query({ options: [orange] }))).toMatchObject({ totalCount: 0, products: [] });
      const extraLarge = await fixture.engine.search(
        query({ text: "hoodie", options: [{ name: "size", values: ["xl"] }] }),
      );
      expect(extraLarge).toMatchObject({ totalCount: 0, products: [] });
      // The hoodie stays findable by its variants on sale.
      expect(
        namesOf(await fixture.engine.search(query({ options: [{ name: "colour", values: ["orange", "blue"] }] }))),
      ).toEqual(["Crew tee", "Zip hoodie"]);
    });

    it("combines option filters with text, category, price and stock filters", async () => {
      expect(namesOf(await fixture.engine.search(query({ text: "tee", options: [blue] })))).toEqual(["Crew tee"]);
      expect(namesOf(await fixture.engine.search(query({ text: "hoodie", options: [red] })))).toEqual([]);
      const accessories = catalog.find((product) => product.name === "Baseball cap")!.categoryId!;
      expect(namesOf(await fixture.engine.search(query({ categoryIds: [accessories], options: [red] })))).toEqual([
        "Baseball cap",
      ]);
      expect(namesOf(await fixture.engine.search(query({ maxPriceCents: 2000, options: [red] })))).toEqual([
        "Crew tee",
      ]);
      const green = { name: "colour", values: ["green"] };
      expect(namesOf(await fixture.engine.search(query({ options: [green] })))).toEqual(["Wool scarf"]);
      expect(namesOf(await fixture.engine.search(query({ options: [green], inStockOnly: true })))).toEqual([]);
    });

    it("counts option facets over products on sale, each option without its own filter, the others applied", async () => {
      for (const text of ["", "apparel"]) {
        const unfiltered = await fixture.engine.search(query({ text }));
        expect(unfiltered.optionFacets).toEqual([
          { name: "colour", value: "blue", count: 2 },
          { name: "colour", value: "red", count: 2 },
          { name: "colour", value: "green", count: 1 },
          { name: "material", value: "cotton", count: 1 },
          { name: "material", value: "fleece", count: 1 },
          { name: "size", value: "m", count: 2 },
          { name: "size", value: "l", count: 1 },
          { name: "size", value: "s", count: 1 },
        ]);
        expect(unfiltered.optionFacetsAreExact).toBe(true);

        // Colour is counted as if only size were filtered, size as if only colour were.
        const both = await fixture.engine.search(query({ text, options: [red, { name: "size", values: ["m"] }] }));
        expect(namesOf(both)).toEqual(["Crew tee"]);
        expect(both.optionFacets).toEqual([
          { name: "colour", value: "blue", count: 2 },
          { name: "colour", value: "red", count: 1 },
          { name: "material", value: "cotton", count: 1 },
          { name: "size", value: "m", count: 1 },
          { name: "size", value: "s", count: 1 },
        ]);
      }
    });

    it("filters and counts a product's attributes as its variants' option values", async () => {
      const fleece = await fixture.engine.search(query({ options: [{ name: "material", values: ["fleece"] }] }));
      expect(namesOf(fleece)).toEqual(["Zip hoodie"]);
      const blueFabric = await fixture.engine.search(
        query({ options: [blue, { name: "material", values: ["cotton", "fleece"] }] }),
      );
      expect(namesOf(blueFabric)).toEqual(["Crew tee", "Zip hoodie"]);
    });

    it("applies option filters to the category and price facets", async () => {
      const result = await fixture.engine.search(query({ options: [red] }));
      expect(result.categoryFacets.map((facet) => facet.count)).toEqual([1, 1]);
      expect(result.priceFacets.reduce((sum, facet) => sum + facet.count, 0)).toBe(2);
    });
  });

  describe(`prices in several currencies: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];
    const namesOf = (result: SearchResult) =>
      idsOf(result).map((id) => catalog.find((product) => product.id === id)?.name);

    beforeAll(async () => {
      fixture = await setup();
      catalog = await fixture.seed(gifts);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("applies price bounds within their currency only, to the results, the count and the category facets", async () => {
      for (const text of ["gift", ""]) {
        for (const currency of ["JPY", "EUR", "USD"]) {
          const result = await fixture.engine.search(
            query({ text, currency, minPriceCents: 5000, maxPriceCents: 5000 }),
          );
          expect(namesOf(result)).toEqual([`Gift box ${currency}`]);
          expect(result.totalCount).toBe(1);
          expect(result.categoryFacets.map((facet) => facet.count)).toEqual([1]);
        }
        const bhd = await fixture.engine.search(query({ text, currency: "BHD", minPriceCents: 20000 }));
        expect(namesOf(bhd)).toEqual(["Gift box BHD"]);
      }
    });

    it("counts price buckets in the query's currency only, and shows every currency without price bounds", async () => {
      for (const text of ["gift", ""]) {
        for (const currency of ["JPY", "USD", "BHD"]) {
          const result = await fixture.engine.search(query({ text, currency }));
          expect(result.totalCount).toBe(4);
          const counted = result.priceFacets.filter((facet) => facet.count > 0);
          const price = gifts.find((gift) => gift.currency === currency)!.priceCents;
          expect(counted).toHaveLength(1);
          expect(counted[0]!.count).toBe(1);
          expect(counted[0]!.minCents).toBeLessThanOrEqual(price);
          expect(counted[0]!.maxCents ?? Infinity).toBeGreaterThan(price);
        }
      }
    });

    it("sorts by price within each currency, currencies by code (descending: the exact reverse)", async () => {
      for (const text of ["gift", ""]) {
        const ascending = await fixture.engine.search(query({ text, sort: "price_asc" }));
        expect(namesOf(ascending)).toEqual(["Gift box BHD", "Gift box EUR", "Gift box JPY", "Gift box USD"]);
        const descending = await fixture.engine.search(query({ text, sort: "price_desc" }));
        expect(namesOf(descending)).toEqual(namesOf(ascending).reverse());
      }
    });
  });

  describe(`quoted titles: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];

    beforeAll(async () => {
      fixture = await setup();
      // Titles that hold the quoted word too, created after "We" (ties would put them first).
      catalog = await fixture.seed([
        { name: "We", description: "A dystopian novel.", priceCents: 1100, stock: 4 },
        { name: "We Three Kings songbook", description: "Carols we sing.", priceCents: 900, stock: 2 },
        { name: "All we need tote", description: "Canvas; we print it.", priceCents: 1500, stock: 9 },
      ]);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("ranks the exact title first when the text is quoted too", async () => {
      for (const text of ['"we"', '"We"', "we"]) {
        const ids = idsOf(await fixture.engine.search(query({ text })));
        expect(catalog.find((product) => product.id === ids[0])?.name, text).toBe("We");
      }
    });
  });

  describe(`search engine behaviour: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];
    const byName = (productName: string) => catalog.find((product) => product.name === productName)!;
    const namesOf = (ids: string[]) => ids.map((id) => catalog.find((product) => product.id === id)?.name);

    beforeAll(async () => {
      fixture = await setup();
      catalog = await fixture.seed([...featured, ...reported, ...notebooks]);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("ranks an exact name match above a product that only mentions the words in its description", async () => {
      const result = await fixture.engine.search(query({ text: "wool socks" }));
      const names = namesOf(idsOf(result));
      expect(names[0]).toBe("Wool Socks");
      expect(names).toContain("Leather Boots");
    });

    it("finds products by the prefix of the last word as it is typed", async () => {
      const result = await fixture.engine.search(query({ text: "sneak" }));
      expect(namesOf(idsOf(result))).toContain("Canvas Sneakers");
      const twoWords = await fixture.engine.search(query({ text: "running sho" }));
      expect(namesOf(idsOf(twoWords))[0]).toBe("Trail Running Shoes");
    });

    it("matches a prefix that stemming would break, in descriptions too", async () => {
      // "runn" is no prefix of the stem "run": only the words as written match it. The typo fallback looks at names
      // only, so Wool Socks (running in its description) proves the prefix matched.
      const names = namesOf(idsOf(await fixture.engine.search(query({ text: "runn" }))));
      expect(names).toEqual(expect.arrayContaining(["Trail Running Shoes", "Wool Socks"]));
    });

    it("finds products despite a typo in the name", async () => {
      const result = await fixture.engine.search(query({ text: "sheos" }));
      expect(namesOf(idsOf(result))).toContain("Trail Running Shoes");
      const other = await fixture.engine.search(query({ text: "snekers" }));
      expect(namesOf(idsOf(other))).toContain("Canvas Sneakers");
    });

    it("matches accents and case either way: cafe, café and CAFÉ find both cafés and nothing else", async () => {
      for (const text of ["cafe", "café", "CAFÉ"]) {
        const result = await fixture.engine.search(query({ text }));
        expect(namesOf(idsOf(result)).sort()).toEqual(["Cafe table", "Café crème cups"]);
        expect(result.totalCount).toBe(2);
      }
    });

    it("finds words of any script, without accents or capitals: μελι finds Μέλι θυμαρίσιο", async () => {
      for (const text of ["μελι", "ΜΈΛΙ", "θυμαρισιο"]) {
        expect(namesOf(idsOf(await fixture.engine.search(query({ text }))))[0]).toBe("Μέλι θυμαρίσιο");
      }
    });

    it("ranks a title that is a stop word first: we finds We before Wedding album and Weekend bag", async () => {
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "we" }))))[0]).toBe("We");
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "We" }))))[0]).toBe("We");
    });

    it("corrects a typo to the catalogue's words without inflating the count: sheos finds shoes, no shears", async () => {
      const result = await fixture.engine.search(query({ text: "sheos" }));
      const names = namesOf(idsOf(result));
      expect(names[0]).toBe("Trail Running Shoes");
      expect(names).not.toContain("Pruning Shears");
      const mentioningShoes = catalog.filter((product) => /\bshoes\b/i.test(`${product.name} ${product.description}`));
      expect(result.totalCount).toBe(mentioningShoes.length);
    });

    it("corrects a misspelt word of a description, alone or beside correct words", async () => {
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "wrougth" }))))).toEqual(["Lantern"]);
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "wrougth iron lantern" }))))[0]).toBe("Lantern");
    });

    it("returns nothing (and no error) for text that matches nothing", async () => {
      const result = await fixture.engine.search(query({ text: "zzzzqqqq" }));
      expect(idsOf(result)).toEqual([]);
      expect(result.totalCount).toBe(0);
    });

    it("treats operators and quotes in the text as plain input", async () => {
      for (const text of ["shoes & | ! :* (", "'; DROP TABLE products; --", '"running shoes"', "-boots shoes"]) {
        const result = await fixture.engine.search(query({ text }));
        expect(result.totalCount).toBeGreaterThanOrEqual(0);
      }
      const quoted = await fixture.engine.search(query({ text: '"running shoes"' }));
      expect(namesOf(idsOf(quoted))).toContain("Trail Running Shoes");
    });

    it("combines category, price range and stock filters", async () => {
      const footwear = byName("Wool Socks").categoryId!;
      const kitchen = byName("Chef Knife").categoryId!;
      const result = await fixture.engine.search(
        query({ categoryIds: [footwear, kitchen], minPriceCents: 2500, maxPriceCents: 8999, inStockOnly: true }),
      );
      const expected = catalog
        .filter((product) => product.categoryId === footwear || product.categoryId === kitchen)
        .filter((product) => product.priceCents >= 2500 && product.priceCents <= 8999 && product.stock > 0)
        .map((product) => product.name);
      expect(expected.sort()).toEqual(["Canvas Sneakers", "Chef Knife", "Stovetop Kettle", "Trail Running Shoes"]);
      expect(namesOf(idsOf(result)).sort()).toEqual(expected);
      expect(result.totalCount).toBe(expected.length);

      const withText = await fixture.engine.search(
        query({ text: "shoes", categoryIds: [footwear], maxPriceCents: 5000 }),
      );
      expect(namesOf(idsOf(withText))).toContain("Canvas Sneakers");
      expect(namesOf(idsOf(withText))).not.toContain("Trail Running Shoes");
    });

    it("counts facets exactly, each ignoring its own filter", async () => {
      const books = byName("Soup Cookbook").categoryId!;
      const request = query({ categoryIds: [books], minPriceCents: 1000, inStockOnly: true, take: 5 });
      const result = await fixture.engine.search(request);

      const inStock = catalog.filter((product) => product.stock > 0);
      const priced = (product: SeededProduct) => product.priceCents >= 1000;
      const expectedTotal = inStock.filter((product) => product.categoryId === books && priced(product)).length;
      expect(result.totalCount).toBe(expectedTotal);
      expect(idsOf(result)).toHaveLength(Math.min(5, expectedTotal));

      const perCategory = new Map<string, number>();
      for (const product of inStock.filter(priced)) {
        if (product.categoryId) perCategory.set(product.categoryId, (perCategory.get(product.categoryId) ?? 0) + 1);
      }
      const expectedCategoryFacets = [...perCategory]
        .map(([categoryId, count]) => ({ categoryId, count }))
        .sort((a, b) => b.count - a.count || (a.categoryId < b.categoryId ? -1 : 1));
      expect(result.categoryFacets).toEqual(expectedCategoryFacets);

      const expectedPriceFacets = PRICE_BUCKET_BOUNDS.map((minCents, index) => {
        const maxCents = PRICE_BUCKET_BOUNDS[index + 1];
        const count = inStock.filter(
          (product) =>
            product.categoryId === books &&
            product.priceCents >= minCents &&
            (maxCents === undefined || product.priceCents < maxCents),
        ).length;
        return { minCents, maxCents, count };
      });
      expect(result.priceFacets).toEqual(expectedPriceFacets);
      expect(result.priceFacets.reduce((sum, facet) => sum + facet.count, 0)).toBe(
        inStock.filter((product) => product.categoryId === books).length,
      );
    });

    it("sorts by price with the id breaking ties", async () => {
      const ascending = await fixture.engine.search(query({ sort: "price_asc" }));
      const expected = [...catalog]
        .sort((a, b) => a.priceCents - b.priceCents || (a.id < b.id ? -1 : 1))
        .map((product) => product.id);
      expect(idsOf(ascending)).toEqual(expected);
      const descending = await fixture.engine.search(query({ sort: "price_desc" }));
      expect(idsOf(descending)).toEqual(
        [...catalog].sort((a, b) => b.priceCents - a.priceCents || (a.id < b.id ? 1 : -1)).map((product) => product.id),
      );
    });

    const pagedCases: Array<{ sort: SearchSortOrder; text: string }> = [
      { sort: "relevance", text: "notebook" },
      { sort: "relevance", text: "" },
      { sort: "price_asc", text: "" },
      { sort: "price_desc", text: "notebook" },
      { sort: "newest", text: "" },
    ];
    it.each(pagedCases)("pages through $sort results for '$text' without gaps or repeats", async ({ sort, text }) => {
      const all = await fixture.engine.search(query({ sort, text }));
      expect(idsOf(all)).toHaveLength(all.totalCount);
      expect(all.totalCount).toBeGreaterThan(7);
      const pages: string[] = [];
      for (let skip = 0; skip < all.totalCount; skip += 7) {
        const page = await fixture.engine.search(query({ sort, text, skip, take: 7 }));
        expect(page.totalCount).toBe(all.totalCount);
        pages.push(...idsOf(page));
      }
      expect(pages).toEqual(idsOf(all));
      expect(new Set(pages).size).toBe(pages.length);
    });
  });
}

/**
 * The relevance suite (@polyscale/tools/relevance): seeds the fixed catalogue, runs the judged queries by relevance and
 * asserts the mean NDCG@10 at or above `threshold`, and every kind of query on average at or above `threshold`
 * minus 0.1, so one kind cannot collapse behind the others' average. The scores per query are logged.
 */
export function describeRelevanceSuite(
  name: string,
  threshold: number,
  setup: () => Promise<SearchEngineFixture>,
): void {
  describe(`search relevance: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let names: Map<string, string>;

    beforeAll(async () => {
      fixture = await setup();
      const seeded = await fixture.seed(relevanceCatalogue);
      names = new Map(seeded.map((product) => [product.id, product.name]));
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it(`ranks what shoppers mean first: mean NDCG@10 over ${relevanceQueries.length} judged queries ≥ ${threshold}`, async () => {
      const runs = await runRelevanceQueries(
        async (text, take) => idsOf(await fixture.engine.search(searchQuery({ text, take }))),
        names,
        relevanceQueries,
      );
      const mean = meanNdcgAt(RELEVANCE_CUTOFF, runs);
      const report = runs
        .filter((run) => run.ndcg < 1)
        .map((run) => `${run.ndcg.toFixed(3)}  ${run.kind}: ${run.text} → ${run.ranking.slice(0, 5).join(" | ")}`);
      console.info(`${name}: mean NDCG@10 ${mean.toFixed(3)}\n${report.join("\n")}`);
      expect(mean).toBeGreaterThanOrEqual(threshold);
      const kinds = new Set(runs.map((run) => run.kind));
      for (const kind of kinds) {
        const ofKind = runs.filter((run) => run.kind === kind);
        expect({ kind, ndcg: meanNdcgAt(RELEVANCE_CUTOFF, ofKind) >= threshold - 0.1 }).toEqual({ kind, ndcg: true });
      }
    });
  });
}
