/**
 * A search as an Elasticsearch request (text matching and boosts, filters, sorts, the facets' aggregations) and its
 * answer as a SearchResult (the facets read from those aggregations). ElasticsearchEngine.search sends the one and
 * reads the other.
 */
import type { estypes } from "@elastic/elasticsearch";
import type { Product, SearchQuery, SearchResult, SearchSortOrder } from "../model.js";
import {
  EXACT_COUNT_LIMIT,
  OPTION_FACET_LIMIT,
  optionKey,
  PRICE_BUCKET_BOUNDS,
  splitOptionKey,
  toOptionFacets,
} from "./search-engine.js";

/** Field boosts: a word in the name counts most, then the category, then the description. */
const TEXT_FIELDS = ["name^3", "categoryName^2", "description"];
const PREFIX_FIELDS = TEXT_FIELDS.flatMap((field) => {
  const [name, boost] = field.split("^");
  const suffix = boost ? `^${boost}` : "";
  return [`${name}.prefix${suffix}`, `${name}.prefix._2gram${suffix}`, `${name}.prefix._3gram${suffix}`];
});

/** Score boosts of an exact title and of the text as a phrase in the title, over word matches. */
const EXACT_TITLE_BOOST = 10;
const PHRASE_BOOST = 3;

/** More categories than a catalogue has; terms aggregations need an explicit size. */
const CATEGORY_FACET_LIMIT = 1_000;

// The id breaks ties, so paging is stable when scores or prices are equal; same directions as the PostgreSQL engine.
const SORTS: Record<SearchSortOrder, estypes.SortCombinations[]> = {
  relevance: [{ _score: { order: "desc" } }, { id: { order: "desc" } }],
  price_asc: [{ currency: { order: "asc" } }, { priceCents: { order: "asc" } }, { id: { order: "asc" } }],
  price_desc: [{ currency: { order: "desc" } }, { priceCents: { order: "desc" } }, { id: { order: "desc" } }],
  newest: [{ createdAt: { order: "desc" } }, { id: { order: "desc" } }],
};

/** The aggregations buildSearchRequest asks for, as the answer carries them. */
export interface SearchAggregations {
  categories: { ids: { buckets: Array<{ key: string; doc_count: number }> } };
  prices: { buckets: { buckets: Array<{ from?: number; to?: number; doc_count: number }> } };
  /** options: every filter applied; options_i: every filter but option i's. */
  [name: `options${string}`]: { keys: { buckets: Array<{ key: string; doc_count: number }> } };
}

/** The option facets: `options` counts the options not filtered on, `options_<i>` the one of filter i. */
const OPTION_AGGREGATION = "options" as const;

/**
 * The search request for a query, apart from the index. Each facet ignores its own filter, so it shows what else the shopper could narrow to: the query holds the text and
 * stock filters, category, price and options narrow the hits only afterwards (post_filter), and each facet's
 * aggregation re-applies the other filters: one aggregation for the options not filtered on, one per option filtered.
 */
export function buildSearchRequest(query: SearchQuery): Omit<estypes.SearchRequest, "index"> {
  const text = query.text.trim();
  const categoryFilter: estypes.QueryDslQueryContainer =
    query.categoryIds.length > 0 ? { terms: { categoryId: query.categoryIds } } : { match_all: {} };
  const priceFilter: estypes.QueryDslQueryContainer =
    query.minPriceCents === undefined && query.maxPriceCents === undefined
      ? { match_all: {} }
      : {
          bool: {
            filter: [
              { term: { currency: query.currency } },
              { range: { priceCents: { gte: query.minPriceCents, lte: query.maxPriceCents } } },
            ],
          },
        };
  const optionFilters: estypes.QueryDslQueryContainer[] = query.options.map((filter) => ({
    terms: { optionKeys: filter.values.map((value) => optionKey(filter.name, value)) },
  }));
  const allBut = (skipped?: number) => optionFilters.filter((_, index) => index !== skipped);
  const optionFacet = (filters: estypes.QueryDslQueryContainer[]): estypes.AggregationsAggregationContainer => ({
    filter: { bool: { filter: [categoryFilter, priceFilter, ...filters] } },
    aggregations: {
      keys: { terms: { field: "optionKeys", size: OPTION_FACET_LIMIT, order: [{ _count: "desc" }, { _key: "asc" }] } },
    },
  });
  const must: estypes.QueryDslQueryContainer = text
    ? {
        bool: {
          should: [
            // Whole words, forgiving typos.
            { multi_match: { query: text, fields: TEXT_FIELDS, fuzziness: "AUTO", operator: "and" } },
            // The last word may be unfinished: "wirel" finds "wireless".
            { multi_match: { query: text, fields: PREFIX_FIELDS, type: "bool_prefix", operator: "and" } },
            // Only raise the score of what the two above match: the text as the whole title, then as a phrase in it.
            // Without quotes: '"we"' is still the title "We".
            { match: { "name.exact": { query: text.replaceAll('"', "").trim(), boost: EXACT_TITLE_BOOST } } },
            { match_phrase: { name: { query: text, boost: PHRASE_BOOST } } },
          ],
          minimum_should_match: 1,
        },
      }
    : { match_all: {} };
  return {
    query: { bool: { must, filter: query.inStockOnly ? [{ term: { inStock: true } }] : [] } },
    post_filter: { bool: { filter: [categoryFilter, priceFilter, ...optionFilters] } },
    aggregations: {
      [OPTION_AGGREGATION]: optionFacet(allBut()),
      ...Object.fromEntries(
        query.options.map((_, index) => [`${OPTION_AGGREGATION}_${index}`, optionFacet(allBut(index))]),
      ),
      categories: {
        filter: { bool: { filter: [priceFilter, ...optionFilters] } },
        aggregations: {
          ids: {
            terms: {
              field: "categoryId",
              size: CATEGORY_FACET_LIMIT,
              order: [{ _count: "desc" }, { _key: "asc" }],
            },
          },
        },
      },
      prices: {
        filter: { bool: { filter: [categoryFilter, { term: { currency: query.currency } }, ...optionFilters] } },
        aggregations: {
          buckets: {
            range: {
              field: "priceCents",
              ranges: PRICE_BUCKET_BOUNDS.map((from, index) => {
                const to = PRICE_BUCKET_BOUNDS[index + 1];
                return to === undefined ? { from } : { from, to };
              }),
            },
          },
        },
      },
    },
    sort: SORTS[query.sort],
    from: query.skip,
    size: query.take,
    // Counted exactly up to the same limit as the PostgreSQL engine; beyond it the total is a lower bound ("gte").
    track_total_hits: EXACT_COUNT_LIMIT,
    _source: false,
  };
}

/**
 * The option facets from the aggregations: of `options`, the keys of options not filtered on; of `options_<i>`, the
 * keys of filter i's own option (counted without that filter).
 */
function optionFacetsOf(
  query: SearchQuery,
  aggregations: SearchAggregations | undefined,
): SearchResult["optionFacets"] {
  const counted = (name: `options${string}`) => aggregations?.[name]?.keys.buckets ?? [];
  const filtered = new Set(query.options.map((filter) => filter.name));
  return toOptionFacets(
    [
      ...counted(OPTION_AGGREGATION).filter((bucket) => !filtered.has(splitOptionKey(bucket.key).name)),
      ...query.options.flatMap((filter, index) =>
        counted(`${OPTION_AGGREGATION}_${index}`).filter((bucket) => splitOptionKey(bucket.key).name === filter.name),
      ),
    ].map((bucket) => ({ key: bucket.key, count: bucket.doc_count })),
  );
}

/**
 * The result of a search from Elasticsearch's answer and the products of its hits (loaded from the database, those no
 * longer on sale left out).
 */
export function toSearchResult(
  query: SearchQuery,
  response: estypes.SearchResponse<unknown, SearchAggregations>,
  products: Product[],
): SearchResult {
  const total = response.hits.total;
  return {
    products,
    totalCount: typeof total === "number" ? total : (total?.value ?? 0),
    totalCountIsExact: typeof total === "number" || total?.relation !== "gte",
    categoryFacets: (response.aggregations?.categories.ids.buckets ?? []).map((bucket) => ({
      categoryId: bucket.key,
      count: bucket.doc_count,
    })),
    priceFacets: PRICE_BUCKET_BOUNDS.map((minCents, index) => {
      const maxCents = PRICE_BUCKET_BOUNDS[index + 1];
      const bucket = response.aggregations?.prices.buckets.buckets[index];
      return { minCents, ...(maxCents === undefined ? {} : { maxCents }), count: bucket?.doc_count ?? 0 };
    }),
    optionFacets: optionFacetsOf(query, response.aggregations),
    // One shard (elasticsearch-index.ts): terms aggregations count every matching document exactly.
    optionFacetsAreExact: true,
  };
}
