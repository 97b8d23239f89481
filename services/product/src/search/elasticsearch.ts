import { Client, type estypes } from "@elastic/elasticsearch";
import type { Product } from "../model.js";
import {
  EXACT_COUNT_LIMIT,
  OPTION_FACET_LIMIT,
  optionKey,
  PRICE_BUCKET_BOUNDS,
  splitOptionKey,
  toOptionFacets,
  type SearchEngine,
  type SearchQuery,
  type SearchResult,
  type SearchSortOrder,
} from "./search-engine.js";

/** What the index holds for one product: its searchable text and every field search filters, sorts or counts on. */
export interface ProductDocument {
  id: string;
  name: string;
  description: string;
  /** Null when the product has no category; such products are not counted in category facets. */
  categoryId: string | null;
  categoryName: string | null;
  priceCents: number;
  currency: string;
  stock: number;
  inStock: boolean;
  /** ISO 8601. */
  createdAt: string;
  /** The variants' option values as products.option_keys holds them ("colour=red", folded), for filters and facets. */
  optionKeys: string[];
}

/** The product fields a document is built from, and its row's option keys (folded by the database, sql/220). */
export type IndexedProduct = Pick<
  Product,
  "id" | "name" | "description" | "priceCents" | "currency" | "categoryId" | "stock" | "createdAt"
> & { optionKeys: string[] };

export function toProductDocument(product: IndexedProduct, categoryName: string | null): ProductDocument {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    categoryId: product.categoryId,
    categoryName: product.categoryId === null ? null : categoryName,
    priceCents: product.priceCents,
    currency: product.currency,
    stock: product.stock,
    inStock: product.stock > 0,
    createdAt: product.createdAt.toISOString(),
    optionKeys: product.optionKeys,
  };
}

/** How long one request to Elasticsearch may take; the indexer holds its advisory lock while it waits. */
const REQUEST_TIMEOUT_MS = 10_000;

export function createElasticsearchClient(url: string): Client {
  return new Client({ node: url, requestTimeout: REQUEST_TIMEOUT_MS });
}

/**
 * Text analysed in English with accents and case folded (stems, no stop words, so a title like "We" is found, as on
 * PostgreSQL), plus a search-as-you-type subfield for prefix matching.
 */
const searchableText: estypes.MappingProperty = {
  type: "text",
  analyzer: "folded_english",
  fields: { prefix: { type: "search_as_you_type", analyzer: "folded" } },
};

export const PRODUCT_INDEX_MAPPINGS: estypes.MappingTypeMapping = {
  // A field we did not declare is a bug in the document builder, not something to guess a type for.
  dynamic: "strict",
  properties: {
    id: { type: "keyword" },
    // name.exact: the whole title, folded, for ranking an exact title match first.
    name: { ...searchableText, fields: { ...searchableText.fields, exact: { type: "keyword", normalizer: "folded" } } },
    description: searchableText,
    categoryId: { type: "keyword" },
    categoryName: searchableText,
    priceCents: { type: "long" },
    currency: { type: "keyword" },
    stock: { type: "long" },
    inStock: { type: "boolean" },
    createdAt: { type: "date" },
    // Already folded by the database, so a term matches them as they are.
    optionKeys: { type: "keyword" },
  },
};

// One shard: a catalogue fits easily, and terms aggregations and scores are then exact rather than per-shard estimates.
const PRODUCT_INDEX_SETTINGS: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  analysis: {
    filter: { english_stemmer: { type: "stemmer", language: "english" } },
    analyzer: {
      folded_english: {
        type: "custom",
        tokenizer: "standard",
        filter: ["lowercase", "asciifolding", "english_stemmer"],
      },
      folded: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding"] },
    },
    normalizer: { folded: { type: "custom", filter: ["lowercase", "asciifolding"] } },
  },
};

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

interface SearchAggregations {
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
function buildSearchRequest(query: SearchQuery): Omit<estypes.SearchRequest, "index"> {
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

export class ElasticsearchEngine implements SearchEngine {
  readonly name = "elasticsearch";

  /**
   * index is the name searched and written: normally the alias over the current physical index. Writes then require
   * it to be an alias, because writing through a missing name would make Elasticsearch invent an index with guessed
   * mappings. reindex.ts fills a new physical index directly and passes writesRequireAlias: false. search() needs
   * options.loadProducts.
   */
  constructor(
    private readonly client: Client,
    readonly index: string,
    private readonly options: ElasticsearchEngineOptions = {},
  ) {}

  /**
   * Creates the index with its mapping when neither an index nor an alias of that name exists, as a physical index
   * behind an alias so reindex.ts can later switch to a rebuilt one. Returns whether it created one. An existing index
   * gets the fields the mapping has gained since it was made (adding a field is allowed; its documents get it when
   * next written, all of them by reindex.ts).
   */
  async ensureIndex(): Promise<boolean> {
    if (await this.client.indices.exists({ index: this.index })) {
      await this.client.indices.putMapping({ index: this.index, properties: PRODUCT_INDEX_MAPPINGS.properties });
      return false;
    }
    try {
      await createProductIndex(this.client, physicalIndexName(this.index), { [this.index]: {} });
    } catch (error) {
      // Another replica created it between our check and our create: the alias exists now, which is all we need.
      if (await this.client.indices.exists({ index: this.index })) return false;
      throw error;
    }
    return true;
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const response = await this.client.search<unknown, SearchAggregations>({
      index: this.index,
      ...buildSearchRequest(query),
    });
    const total = response.hits.total;
    if (!this.options.loadProducts) throw new Error("ElasticsearchEngine.search needs options.loadProducts");
    // The index only ranks; prices, stock and being on sale come from the database, the source of truth: a product
    // archived since it was indexed is left out until the indexer removes it (product.archived).
    const products = (await this.options.loadProducts(response.hits.hits.map((hit) => hit._id!))).filter(
      (product) => product.archivedAt === null,
    );
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
      // One shard: terms aggregations count every matching document exactly.
      optionFacetsAreExact: true,
    };
  }

  /** Adds or replaces documents. Returns the ids Elasticsearch refused (the rest were written). */
  indexDocuments(documents: readonly ProductDocument[], options: WriteOptions = {}): Promise<string[]> {
    return this.bulk(
      documents.flatMap((document) => [{ index: { _id: document.id } }, document]),
      options,
    );
  }

  /** Removes documents; one that is not in the index counts as removed. Returns the ids that failed. */
  deleteDocuments(ids: readonly string[], options: WriteOptions = {}): Promise<string[]> {
    return this.bulk(
      ids.map((id) => ({ delete: { _id: id } })),
      options,
    );
  }

  private async bulk(
    operations: Array<estypes.BulkOperationContainer | ProductDocument>,
    options: WriteOptions,
  ): Promise<string[]> {
    if (operations.length === 0) return [];
    const response = await this.client.bulk(
      {
        index: this.index,
        operations,
        require_alias: this.options.writesRequireAlias ?? true,
        ...(options.waitForRefresh ? { refresh: "wait_for" as const } : {}),
      },
      // Callers retry on their own terms: the indexer by redelivering the events with backoff, reindex by rerun.
      { maxRetries: 0 },
    );
    if (!response.errors) return [];
    return response.items.flatMap((item) => {
      const [action, result] = Object.entries(item)[0]!;
      const alreadyGone = action === "delete" && result.status === 404;
      return result.error && !alreadyGone ? [result._id!] : [];
    });
  }
}

export interface ElasticsearchEngineOptions {
  /** False only for filling a physical index directly (reindex.ts); default true. */
  writesRequireAlias?: boolean;
  /** The products with these ids from the database, in the order given (`getProducts` in repository.ts). */
  loadProducts?: (ids: string[]) => Promise<Product[]>;
}

export interface WriteOptions {
  /** Wait until the change is visible to search before returning, for callers that must read their own writes. */
  waitForRefresh?: boolean;
}

/** A new physical index name under an alias, unique per creation, e.g. products-20261121t055400123z. */
export function physicalIndexName(alias: string): string {
  return `${alias}-${new Date().toISOString().replace(/[-:.]/g, "").toLowerCase()}`;
}

export async function createProductIndex(
  client: Client,
  index: string,
  aliases: Record<string, estypes.IndicesAlias> = {},
): Promise<void> {
  await client.indices.create({ index, mappings: PRODUCT_INDEX_MAPPINGS, settings: PRODUCT_INDEX_SETTINGS, aliases });
}
