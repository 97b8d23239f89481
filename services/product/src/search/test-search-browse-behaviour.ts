import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchSortOrder } from "../model.js";
import { PRICE_BUCKET_BOUNDS } from "./search-engine.js";
import { generalCatalogue } from "./test-search-catalogue.js";
import type { SeededProduct } from "../test-search-seed.js";
import { idsOf, suiteQuery as query, type SearchEngineFixture } from "./test-search-query.js";

/** The behaviour suite's browsing: category, price and stock filters, exact facets, sorting and paging. */
export function describeBrowseBehaviour(name: string, setup: () => Promise<SearchEngineFixture>): void {
  describe(`search engine behaviour: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];
    const byName = (productName: string) => catalog.find((product) => product.name === productName)!;
    const namesOf = (ids: string[]) => ids.map((id) => catalog.find((product) => product.id === id)?.name);

    beforeAll(async () => {
      fixture = await setup();
      catalog = await fixture.seed(generalCatalogue);
    });
    afterAll(async () => {
      await fixture?.close();
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
