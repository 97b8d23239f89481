import { expect, vi } from "vitest";
import { majorToMinor } from "@polyscale/platform";
import {
  graphqlAnswer,
  graphqlStorefront,
  restAnswer,
  restStorefront,
  type Answer,
  type Storefront,
} from "./test-storefront-skins.js";
import { dataIn, errorOf, type Flow, type SearchRequest, type Step } from "./test-storefront-parity.js";

/**
 * The storefront parity suite's flow (test-storefront-parity.ts) of browsing the catalogue: its categories, and a search
 * with filters and facets.
 */

interface CategoryShape {
  id: string;
  name: string;
  slug: string;
  parentId: string;
}
interface SearchShape {
  items: Array<{ id: string; name: string; priceCents: number; currency: string; stock: number }>;
  totalCount: number;
  categories: Array<{ categoryId: string; count: number }>;
  priceBuckets: Array<{ minCents: number; maxCents?: number; count: number }>;
  options: Array<{ name: string; values: Array<{ value: string; count: number }> }>;
}

/** Browsing the catalogue, as one skin does it. */
interface CatalogueStorefront extends Storefront {
  categories(): Promise<Answer<CategoryShape[]>>;
  search(request: SearchRequest): Promise<Answer<SearchShape>>;
}

const graphqlCatalogue: CatalogueStorefront = {
  ...graphqlStorefront,
  categories: () =>
    graphqlAnswer(
      `{ categories { id name slug parent { id } } }`,
      {},
      undefined,
      "categories",
      (categories: Array<Omit<CategoryShape, "parentId"> & { parent: { id: string } | null }>) =>
        categories.map(({ parent, ...category }) => ({ ...category, parentId: parent?.id ?? "" })),
    ),
  search: ({ query, categoryId, maxPriceCents, currency, options = [] }) =>
    graphqlAnswer(
      `query($q: String, $filter: ProductFilter) {
        searchProducts(query: $q, filter: $filter, sort: PRICE_ASC) {
          items { id name priceCents currency stock }
          totalCount
          facets {
            categories { category { id } count } priceBuckets { min max count } options { name values { value count } }
          }
        }
      }`,
      // GraphQL's filter is in decimal units of the currency: 12.5 USD for 1250 cents.
      {
        q: query,
        filter: { categoryIds: categoryId ? [categoryId] : [], maxPrice: maxPriceCents / 100, currency, options },
      },
      undefined,
      "searchProducts",
      (result: {
        items: SearchShape["items"];
        totalCount: number;
        facets: {
          categories: Array<{ category: { id: string }; count: number }>;
          priceBuckets: Array<{ min: number; max: number | null; count: number }>;
          options: SearchShape["options"];
        };
      }) => ({
        items: result.items,
        totalCount: result.totalCount,
        categories: result.facets.categories.map((facet) => ({ categoryId: facet.category.id, count: facet.count })),
        priceBuckets: result.facets.priceBuckets.map((bucket) => ({
          minCents: majorToMinor("min", bucket.min, currency),
          ...(bucket.max === null ? {} : { maxCents: majorToMinor("max", bucket.max, currency) }),
          count: bucket.count,
        })),
        options: result.facets.options,
      }),
    ),
};

const restCatalogue: CatalogueStorefront = {
  ...restStorefront,
  categories: () =>
    restAnswer("GET", "/categories", {}, (categories: CategoryShape[]) =>
      categories.map(({ id, name, slug, parentId }) => ({ id, name, slug, parentId })),
    ),
  search: ({ query, categoryId, maxPriceCents, currency, options = [] }) => {
    const parameters = new URLSearchParams({ q: query, maxPrice: String(maxPriceCents), currency, sort: "price_asc" });
    if (categoryId) parameters.append("category", categoryId);
    for (const { name, values } of options) for (const value of values) parameters.append("option", `${name}=${value}`);
    return restAnswer(
      "GET",
      `/products?${parameters}`,
      {},
      (result: {
        items: SearchShape["items"];
        totalCount: number;
        facets: Pick<SearchShape, "categories" | "priceBuckets" | "options">;
      }) => ({
        items: result.items.map(({ id, name, priceCents, currency: itemCurrency, stock }) => ({
          id,
          name,
          priceCents,
          currency: itemCurrency,
          stock,
        })),
        totalCount: result.totalCount,
        categories: result.facets.categories,
        priceBuckets: result.facets.priceBuckets,
        options: result.facets.options,
      }),
    );
  },
};

const steps: Array<Step<CatalogueStorefront>> = [
  {
    name: "categories",
    read: true,
    run: (storefront) => storefront.categories(),
    check: (answer, catalog) => expect(dataIn(answer).map((category) => category.id)).toContain(catalog.categoryId),
  } satisfies Step<CatalogueStorefront, Answer<CategoryShape[]>>,
  {
    name: "search with a filter",
    read: true,
    run: (storefront, _customer, catalog) => storefront.search(catalog.search),
    check: (answer, catalog) =>
      expect(answer).toMatchObject({
        data: {
          items: [
            { id: catalog.products.socks, priceCents: 1250, currency: "USD" },
            { id: catalog.products.scarf, priceCents: 2999, currency: "USD" },
          ],
          totalCount: 2,
          categories: [{ categoryId: catalog.categoryId, count: 2 }],
        },
      }),
  },
  {
    name: "issue 17: find it by colour, with option facets",
    read: true,
    run: (storefront) =>
      storefront.search({
        query: "tee",
        maxPriceCents: 100_000,
        currency: "USD",
        options: [{ name: "Colour", values: ["GREEN", "red"] }],
      }),
    check: (answer, catalog) =>
      expect(answer).toMatchObject({
        data: {
          items: [{ id: catalog.tee.productId }],
          totalCount: 1,
          // Colour counted without its own filter, size with it: both of the tee's sizes are green.
          options: [
            { name: "colour", values: [{ value: "green", count: 1 }] },
            {
              name: "size",
              values: [
                { value: "l", count: 1 },
                { value: "m", count: 1 },
              ],
            },
          ],
        },
      }),
  },
  {
    name: "search by an option name too long",
    read: true,
    run: (storefront, _customer, catalog) =>
      storefront.search({ ...catalog.search, options: [{ name: "x".repeat(51), values: ["red"] }] }),
    check: (answer) => expect(answer).toMatchObject(errorOf({ code: "BAD_USER_INPUT", field: "options[0].name" })),
    restField: "option",
  },
  {
    name: "search with a price ceiling below zero",
    read: true,
    run: (storefront, _customer, catalog) => storefront.search({ ...catalog.search, maxPriceCents: -100 }),
    check: (answer) => expect(answer).toMatchObject(errorOf({ code: "BAD_USER_INPUT", field: "maxPrice" })),
  },
];

export const catalogueFlow: Flow<CatalogueStorefront> = {
  storefronts: { graphql: graphqlCatalogue, rest: restCatalogue },
  steps,
  signedIn: true,
  // The search may answer from a cache that learns of new products through events: wait until it shows them.
  prepare: (catalog) =>
    vi.waitFor(async () => {
      const answer = await graphqlCatalogue.search({ ...catalog.search, maxPriceCents: 100_000 });
      expect("data" in answer && answer.data.totalCount).toBe(3);
    }),
};
