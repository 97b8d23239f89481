import type { SearchQuery, SearchResult } from "../model.js";

/**
 * One search interface, two engines: PostgreSQL full-text search (the default) and
 * Elasticsearch (when ELASTICSEARCH_URL is set). Engines return the products of the page as the database holds them,
 * the source of truth, so prices and stock are never stale: PostgreSQL in the same statement that finds them,
 * Elasticsearch by loading the ids it found in one query. What they are asked and answer (SearchQuery, SearchResult) are
 * domain types, in model.ts, since the search service hands the result on to the server; this file holds what is the
 * engines' alone: the interface, the limits both keep and the option keys both read.
 */

/**
 * How many matches are counted exactly. Beyond it totalCount and the facet counts are estimates (totalCountIsExact
 * false), so the cost of a search does not grow with the catalogue.
 */
export const EXACT_COUNT_LIMIT = 1_000;

/** How many option values the facets list at most (the largest counts), whatever the catalogue holds. */
export const OPTION_FACET_LIMIT = 200;

/** The key products.option_keys stores for an option value (sql/220): folded name and value joined by "=". */
export function optionKey(name: string, value: string): string {
  return `${name}=${value}`;
}

/** The name and value of a key of products.option_keys; names never contain "=" (the catalog refuses it). */
export function splitOptionKey(key: string): { name: string; value: string } {
  const at = key.indexOf("=");
  return { name: key.slice(0, at), value: key.slice(at + 1) };
}

/** Option facets as SearchResult states them (the OPTION_FACET_LIMIT largest counts, sorted), from counts per key. */
export function toOptionFacets(counts: ReadonlyArray<{ key: string; count: number }>): SearchResult["optionFacets"] {
  return [...counts]
    .sort((a, b) => b.count - a.count || compare(a.key, b.key))
    .slice(0, OPTION_FACET_LIMIT)
    .map(({ key, count }) => ({ ...splitOptionKey(key), count }))
    .sort((a, b) => compare(a.name, b.name) || b.count - a.count || compare(a.value, b.value));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface SearchEngine {
  readonly name: "postgres" | "elasticsearch";
  search(query: SearchQuery): Promise<SearchResult>;
}

/**
 * Lower bounds of the price buckets, in minor units of the query's currency: [0, 10), [10, 25), … [500, ∞) dollars. Facet counts are computed
 * over the query and every filter except price, so the buckets show where else the shopper could narrow to.
 */
export const PRICE_BUCKET_BOUNDS = [0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000] as const;
