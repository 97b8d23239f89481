import type { Product, SearchSortOrder } from "../model.js";

/**
 * One search interface, two engines: PostgreSQL full-text search (the default) and
 * Elasticsearch (when ELASTICSEARCH_URL is set). Engines return the products of the page as the database holds them,
 * the source of truth, so prices and stock are never stale: PostgreSQL in the same statement that finds them,
 * Elasticsearch by loading the ids it found in one query.
 */

/** One option to filter on, e.g. { name: "colour", values: ["red", "blue"] } (folded). */
export interface OptionFilter {
  name: string;
  values: string[];
}

export interface SearchQuery {
  /** Free text as typed; empty matches every product. */
  text: string;
  /** Products in any of these categories; empty means all. */
  categoryIds: string[];
  /**
   * ISO 4217 code of the price bounds and price facets. Bounds select only products priced in it (minor units of
   * different currencies are not comparable); price facets count only those; price sorts group by currency code.
   */
  currency: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
  /**
   * Variant option filters, folded as products.option_keys holds them (search_normalize: lower case, no accents; the
   * catalog folds what the shopper typed): a product matches when, for every filter, one of its variants has one of
   * the filter's values. Values of one filter are OR'd, filters AND'd; names are distinct and contain no "=".
   */
  options: OptionFilter[];
  sort: SearchSortOrder;
  skip: number;
  take: number;
}

/**
 * How many matches are counted exactly. Beyond it totalCount and the facet counts are estimates (totalCountIsExact
 * false), so the cost of a search does not grow with the catalogue.
 */
export const EXACT_COUNT_LIMIT = 1_000;

export interface SearchResult {
  /** The page, in result order. */
  products: Product[];
  /**
   * Matches over all pages: exact up to EXACT_COUNT_LIMIT, an estimate beyond (never below the matches seen). The
   * PostgreSQL engine also estimates a filtered count when the words alone match more than EXACT_COUNT_LIMIT.
   */
  totalCount: number;
  /** False when totalCount and the facet counts are estimates. */
  totalCountIsExact: boolean;
  /** Matching products per category (products without a category are not counted), largest first. */
  categoryFacets: Array<{ categoryId: string; count: number }>;
  /** Matching products priced in the query's currency per price bucket, in PRICE_BUCKET_BOUNDS order, including empty buckets. */
  priceFacets: Array<{ minCents: number; maxCents?: number; count: number }>;
  /**
   * Matching products per option value of their variants, folded (search_normalize), sorted by name, then count
   * descending, then value: the OPTION_FACET_LIMIT largest. Each option's counts ignore that option's own filter
   * (so every colour stays offered after picking red) and apply every other filter.
   */
  optionFacets: Array<{ name: string; value: string; count: number }>;
  /**
   * False when the option facet counts are estimates: over more than EXACT_COUNT_LIMIT products to count from (a
   * browse of a large catalogue, which has no counter table for options), or of text matches beyond the limit.
   */
  optionFacetsAreExact: boolean;
}

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
