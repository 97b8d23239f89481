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

/**
 * Elasticsearch when ELASTICSEARCH_URL is set, kept in step by the indexer that follows the product events (so it
 * needs NATS_URL); PostgreSQL full text otherwise, behind a result cache when NATS_URL is set (the cache is emptied
 * by the product events of every replica) and SEARCH_CACHE_ENTRIES is not 0. Not Elasticsearch: its index follows
 * the same events, so a result cached right after an event could still predate the change in the index.
 */
export async function openSearch(
  config: ProductConfig,
  database: Database,
  logger: Logger,
): Promise<{ engine: SearchEngine; closers: Closer[] }> {
  if (!config.elasticsearchUrl) {
    const engine = new PostgresSearchEngine(database);
    if (!config.natsUrl || config.searchCacheEntries === 0) return { engine, closers: [] };
    // Without the events the cache could not know of other replicas' changes: no connection, no cache.
    const connection = await connectNats(config.natsUrl, "polyscale-product-search-cache").catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, "search cache off: NATS unreachable at start");
      return undefined;
    });
    if (!connection) return { engine, closers: [] };
    const cached = new CachedSearchEngine({ engine, connection, entries: config.searchCacheEntries, logger });
    cached.start();
    return { engine: cached, closers: [() => cached.stop(), () => connection.close()] };
  }
  if (!config.natsUrl) throw new Error("ELASTICSEARCH_URL needs NATS_URL: the search index follows the product events");
  // Loaded only when configured, so the default set-up never loads the Elasticsearch client.
  const { createElasticsearchClient, ElasticsearchEngine } = await import("./elasticsearch.js");
  const { SearchIndexer, SEARCH_INDEXER_CONSUMER } = await import("./indexer.js");
  const engine = new ElasticsearchEngine(
    createElasticsearchClient(config.elasticsearchUrl),
    config.elasticsearchIndex,
    {
      loadProducts: (ids) => repository.getProducts(database, ids),
    },
  );
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
  indexer.start();
  return { engine, closers: [() => indexer.stop(), () => connection.close()] };
}
