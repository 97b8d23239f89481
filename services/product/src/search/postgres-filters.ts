/**
 * What every part of a PostgreSQL search statement shares: the parameters it collects, the query's filters as SQL
 * conditions over a products row (on sale, category, price, options), the sort orders and the page window. Browsing
 * (postgres-browse.ts) and text search (postgres-text-search.ts) build their parts of the statement from these.
 */
import type { OptionFilter, SearchQuery, SearchSortOrder } from "../model.js";
import { EXACT_COUNT_LIMIT, optionKey } from "./search-engine.js";

export const ORDER_BY: Record<Exclude<SearchSortOrder, "relevance">, string> = {
  // Minor units compare only within a currency: prices are grouped by currency code (sql/180_search_price_currency.sql).
  price_asc: "currency ASC, price_cents ASC, id ASC",
  price_desc: "currency DESC, price_cents DESC, id DESC",
  newest: "created_at DESC, id DESC",
};

/** Collects the values of a statement and hands out their $n placeholders; user text never enters the SQL text. */
export class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The query's filters as SQL over a products row, with the parameters that hold their values. */
export interface SearchFilters {
  parameters: Parameters;
  /** The $n of EXACT_COUNT_LIMIT + 1, added on first use: only the statements that count up to the limit have it. */
  limit: () => string;
  /** Not archived, and in stock if asked. */
  onSale: string;
  category: string;
  /** Within the price bounds, in the query's currency; "true" without bounds. */
  price: string;
  options: OptionConditions;
  /** Whether the query has price bounds. */
  bounded: boolean;
  /** Whether the query filters by category, price or options. */
  filtered: boolean;
  /** The $n of the bounds' currency ("NULL" without bounds), and of each bound given. */
  priceCurrency: string;
  minPrice: string | undefined;
  maxPrice: string | undefined;
  /** LIMIT and OFFSET of the page asked for. */
  pageWindow: string;
  /** The $n of the query's currency, the one price facets count. */
  facetCurrency: string;
}

/**
 * A search's own part of the statement: `ctes`, the counting CTEs, "totals" (every filter, with the factor that
 * scales its count to the whole table, 1 = exact: total, scale, known), "category_facet", "price_facet" and
 * "option_facet" (each ignoring its own filter, already scaled), "facets_exact" and "option_facets_exact"; `page`, the
 * ids of the page in order.
 */
export interface StatementBody {
  ctes: string;
  page: string;
}

/** The filters of a query, their values added to parameters (in the order the statement's text numbers them). */
export function searchFilters(query: SearchQuery, parameters: Parameters): SearchFilters {
  // A parameter only in the statements that count up to the limit (an unused one would have no type).
  let limitParameter: string | undefined;
  const limit = () => (limitParameter ??= parameters.add(EXACT_COUNT_LIMIT + 1));
  // Archived products are off sale: no search shows or counts them (nor do the browse counters, sql/210).
  const onSale = query.inStockOnly ? "archived_at IS NULL AND stock > 0" : "archived_at IS NULL";
  const category =
    query.categoryIds.length > 0 ? `category_id = ANY(${parameters.add(query.categoryIds)}::uuid[])` : "true";
  const bounded = query.minPriceCents !== undefined || query.maxPriceCents !== undefined;
  // Price bounds are in the query's currency: products priced in another one are outside them.
  const priceCurrency = bounded ? parameters.add(query.currency) : "NULL";
  const minPrice = query.minPriceCents === undefined ? undefined : parameters.add(query.minPriceCents);
  const maxPrice = query.maxPriceCents === undefined ? undefined : parameters.add(query.maxPriceCents);
  const price = [
    bounded ? `currency = ${priceCurrency}` : "true",
    minPrice === undefined ? "true" : `price_cents >= ${minPrice}`,
    maxPrice === undefined ? "true" : `price_cents <= ${maxPrice}`,
  ].join(" AND ");
  const options = optionConditions(parameters, query.options);
  const filtered = query.categoryIds.length > 0 || bounded || query.options.length > 0;
  const pageWindow = `LIMIT ${parameters.add(query.take)} OFFSET ${parameters.add(query.skip)}`;

  const facetCurrency = parameters.add(query.currency);
  return {
    parameters,
    limit,
    onSale,
    category,
    price,
    options,
    bounded,
    filtered,
    priceCurrency,
    minPrice,
    maxPrice,
    pageWindow,
    facetCurrency,
  };
}

/**
 * The SQL conditions of the option filters over a products row: `match`, it has one of each filter's values (each an
 * `&&` that option_keys' GIN index answers); `any`, a condition every row an option facet counts meets (with two or
 * more filters, one of them); `facet`, over a row and one of its keys `key`, whether the row counts for that key: it
 * meets every filter but the one of the key's own option.
 */
export interface OptionConditions {
  match: string;
  any: string;
  facet: string;
}

function optionConditions(parameters: Parameters, filters: readonly OptionFilter[]): OptionConditions {
  if (filters.length === 0) return { match: "true", any: "true", facet: "true" };
  const groups = filters.map((filter) => ({
    name: parameters.add(filter.name),
    has: `option_keys && ${parameters.add(filter.values.map((value) => optionKey(filter.name, value)))}::text[]`,
  }));
  return {
    match: groups.map((group) => group.has).join(" AND "),
    any: groups.length > 1 ? `(${groups.map((group) => group.has).join(" OR ")})` : "true",
    facet: groups.map((group) => `(split_part(key, '=', 1) = ${group.name}::text OR ${group.has})`).join(" AND "),
  };
}
