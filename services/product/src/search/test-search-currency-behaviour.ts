import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchResult } from "../model.js";
import type { SeededProduct, SeedProduct } from "../test-search-seed.js";
import { idsOf, suiteQuery as query, type SearchEngineFixture } from "./test-search-query.js";

/** The same amount in minor units means different prices: ¥5000, €50.00, $50.00 and BD 20.125. */
const gifts: SeedProduct[] = [
  { name: "Gift box JPY", description: "Gift", priceCents: 5000, currency: "JPY", stock: 1, categoryName: "Gifts" },
  { name: "Gift box EUR", description: "Gift", priceCents: 5000, currency: "EUR", stock: 1, categoryName: "Gifts" },
  { name: "Gift box USD", description: "Gift", priceCents: 5000, currency: "USD", stock: 1, categoryName: "Gifts" },
  { name: "Gift box BHD", description: "Gift", priceCents: 20125, currency: "BHD", stock: 1, categoryName: "Gifts" },
];

/** The behaviour suite's prices in several currencies: bounds, price facets and sorting per currency. */
export function describeCurrencyBehaviour(name: string, setup: () => Promise<SearchEngineFixture>): void {
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
}
