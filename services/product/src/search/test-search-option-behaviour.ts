import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchResult } from "../model.js";
import type { SeededProduct, SeedProduct } from "../test-search-seed.js";
import { idsOf, suiteQuery as query, type SearchEngineFixture } from "./test-search-query.js";

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

/** The behaviour suite's option filters and facets, over products with variants (apparel). */
export function describeOptionBehaviour(name: string, setup: () => Promise<SearchEngineFixture>): void {
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
}
