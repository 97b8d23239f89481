/**
 * The Elasticsearch engine: searches the product index (the request and the reading of its answer in
 * elasticsearch-query.ts) and writes its documents (built and mapped in elasticsearch-index.ts), for the indexer and
 * reindex.ts.
 */
import { Client, type estypes } from "@elastic/elasticsearch";
import type { Product, SearchQuery, SearchResult } from "../model.js";
import {
  createProductIndex,
  physicalIndexName,
  PRODUCT_INDEX_MAPPINGS,
  type ProductDocument,
} from "./elasticsearch-index.js";
import { buildSearchRequest, toSearchResult, type SearchAggregations } from "./elasticsearch-query.js";
import type { SearchEngine } from "./search-engine.js";

/** How long one request to Elasticsearch may take; the indexer holds its advisory lock while it waits. */
const REQUEST_TIMEOUT_MS = 10_000;

export function createElasticsearchClient(url: string): Client {
  return new Client({ node: url, requestTimeout: REQUEST_TIMEOUT_MS });
}

export class ElasticsearchEngine implements SearchEngine {
  readonly name = "elasticsearch";

  /** search() needs options.loadProducts; writes go through options.index (an alias unless writesRequireAlias). */
  constructor(private readonly options: ElasticsearchEngineOptions) {}

  /**
   * Creates the index with its mapping when neither an index nor an alias of that name exists, as a physical index
   * behind an alias so reindex.ts can later switch to a rebuilt one. Returns whether it created one. An existing index
   * gets the fields the mapping has gained since it was made (adding a field is allowed; its documents get it when
   * next written, all of them by reindex.ts).
   */
  async ensureIndex(): Promise<boolean> {
    const { client, index } = this.options;
    if (await client.indices.exists({ index })) {
      await client.indices.putMapping({ index, properties: PRODUCT_INDEX_MAPPINGS.properties });
      return false;
    }
    try {
      await createProductIndex(client, physicalIndexName(index), { [index]: {} });
    } catch (error) {
      // Another replica created it between our check and our create: the alias exists now, which is all we need.
      if (await client.indices.exists({ index })) return false;
      throw error;
    }
    return true;
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const response = await this.options.client.search<unknown, SearchAggregations>({
      index: this.options.index,
      ...buildSearchRequest(query),
    });
    if (!this.options.loadProducts) throw new Error("ElasticsearchEngine.search needs options.loadProducts");
    // The index only ranks; prices, stock and being on sale come from the database, the source of truth: a product
    // archived since it was indexed is left out until the indexer removes it (product.archived).
    const products = (await this.options.loadProducts(response.hits.hits.map((hit) => hit._id!))).filter(
      (product) => product.archivedAt === null,
    );
    return toSearchResult(query, response, products);
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
    const response = await this.options.client.bulk(
      {
        index: this.options.index,
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
  client: Client;
  /**
   * The name searched and written: normally the alias over the current physical index. Writes then require it to be
   * an alias, because writing through a missing name would make Elasticsearch invent an index with guessed mappings.
   */
  index: string;
  /** False only for filling a physical index directly (reindex.ts, which fills a new one); default true. */
  writesRequireAlias?: boolean;
  /** The products with these ids from the database, in the order given (`getProducts` in repository.ts). */
  loadProducts?: (ids: string[]) => Promise<Product[]>;
}

export interface WriteOptions {
  /** Wait until the change is visible to search before returning, for callers that must read their own writes. */
  waitForRefresh?: boolean;
}
