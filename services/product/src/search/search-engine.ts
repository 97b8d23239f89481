import type { Product } from "../model.js";

/**
 * One search interface, two engines: PostgreSQL full-text search (the default) and
 * Elasticsearch (when ELASTICSEARCH_URL is set). Engines return the products of the page as the database holds them,
 * the source of truth, so prices and stock are never stale: PostgreSQL in the same statement that finds them,
 * Elasticsearch by loading the ids it found in one query.
 */

export type SearchSortOrder = "relevance" | "price_asc" | "price_desc" | "newest";

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
}

export interface SearchEngine {
  readonly name: "postgres" | "elasticsearch";
  search(query: SearchQuery): Promise<SearchResult>;
}

/**
 * Lower bounds of the price buckets, in minor units of the query's currency: [0, 10), [10, 25), … [500, ∞) dollars. Facet counts are computed
 * over the query and every filter except price, so the buckets show where else the shopper could narrow to.
 */
export const PRICE_BUCKET_BOUNDS = [0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000] as const;
