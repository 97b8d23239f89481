import {
  connectNats,
  describeError,
  durableConsumer,
  ensureStream,
  EVENT_STREAMS,
  type Closer,
  type Database,
  type Logger,
  type readConfig,
} from "@polyscale/platform";
import type { productSettings } from "../config.js";
import * as repository from "../repository.js";
import { CachedSearchEngine, PRODUCT_EVENTS_SUBJECT } from "./cache.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import type { SearchEngine } from "./search-engine.js";

type ProductConfig = ReturnType<typeof readConfig<typeof productSettings>>;

/** The search engine, the background job keeping it current (built, not started), and what to close after it. */
export interface OpenedSearch {
  engine: SearchEngine;
  /** The cache's event subscription or the indexer's consumer: main.ts starts it and stops it before `closers`. */
  job: { start(): void; stop(): Promise<void> } | undefined;
  /** The job's NATS connection. */
  closers: Closer[];
}

export interface OpenSearchOptions {
  /** The product service's settings: ELASTICSEARCH_URL and _INDEX, NATS_URL, SEARCH_CACHE_ENTRIES are read. */
  config: ProductConfig;
  /** The product database: PostgreSQL full text searches it, the Elasticsearch index loads the products from it. */
  database: Database;
  logger: Logger;
}

/**
 * Elasticsearch when ELASTICSEARCH_URL is set, kept in step by the indexer that follows the product events (so it
 * needs NATS_URL: readConfig refuses ELASTICSEARCH_URL without it, config.ts's productServiceRules); PostgreSQL full
 * text otherwise, behind a result cache when NATS_URL is set (the cache is emptied by the product events of every
 * replica) and SEARCH_CACHE_ENTRIES is not 0. Not Elasticsearch: its index follows the same events, so a result
 * cached right after an event could still predate the change in the index.
 * Connects and builds; starting the job is main.ts's, as for every background job.
 */
export async function openSearch({ config, database, logger }: OpenSearchOptions): Promise<OpenedSearch> {
  if (!config.elasticsearchUrl || !config.natsUrl) {
    const engine = new PostgresSearchEngine({ database });
    if (!config.natsUrl || config.searchCacheEntries === 0) return { engine, job: undefined, closers: [] };
    // Without the events the cache could not know of other replicas' changes: no connection, no cache.
    const connection = await connectNats(config.natsUrl, "polyscale-product-search-cache").catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, "search cache off: NATS unreachable at start");
      return undefined;
    });
    if (!connection) return { engine, job: undefined, closers: [] };
    const cached = new CachedSearchEngine({ engine, connection, entries: config.searchCacheEntries, logger });
    return { engine: cached, job: cached, closers: [() => connection.close()] };
  }
  // Loaded only when configured, so the default set-up never loads the Elasticsearch client.
  const { createElasticsearchClient, ElasticsearchEngine } = await import("./elasticsearch.js");
  const { SearchIndexer, SEARCH_INDEXER_CONSUMER } = await import("./indexer.js");
  const engine = new ElasticsearchEngine({
    client: createElasticsearchClient(config.elasticsearchUrl),
    index: config.elasticsearchIndex,
    loadProducts: (ids) => repository.getProducts(database, ids),
  });
  await engine.ensureIndex();
  const connection = await connectNats(config.natsUrl, "polyscale-product-search-indexer");
  const stream = EVENT_STREAMS.product;
  await ensureStream(connection, stream);
  const consumer = await durableConsumer(connection, {
    stream: stream.name,
    name: SEARCH_INDEXER_CONSUMER,
    filterSubject: PRODUCT_EVENTS_SUBJECT,
    ackWaitMs: 60_000,
  });
  const indexer = new SearchIndexer({ database, engine, consumer, logger });
  return { engine, job: indexer, closers: [() => connection.close()] };
}
