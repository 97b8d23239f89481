/** What the search engine behaviour suite's parts share: the fixture an engine's test file gives them, and queries. */
import type { SearchQuery, SearchResult } from "../model.js";
import type { SearchEngine } from "./search-engine.js";
import type { SeededProduct, SeedProduct } from "../test-search-seed.js";

export interface SearchEngineFixture {
  engine: SearchEngine;
  /** Stores the products (and their categories) so that the engine finds them once it resolves. */
  seed(products: SeedProduct[]): Promise<SeededProduct[]>;
  close(): Promise<void>;
}

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

/** A search of the behaviour suite: its catalogues are small, so one page of 100 holds every match. */
export const suiteQuery = (overrides: Partial<SearchQuery>) => searchQuery({ take: 100, ...overrides });
