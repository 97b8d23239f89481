import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { describeError, inBackground, type CloudEvent, type Database, type Logger } from "@polyscale/platform";
import * as repository from "../repository.js";
import { toProductDocument } from "./elasticsearch-index.js";
import type { ElasticsearchEngine } from "./elasticsearch.js";

export interface SearchIndexerOptions {
  /** The product database, read for each named product's current state. */
  database: Database;
  /** The index written to. */
  engine: ElasticsearchEngine;
  /** The durable JetStream consumer of product events the indexer pulls from. */
  consumer: Consumer;
  logger: Logger;
  /** Events per batch; all products they name are written in one bulk request. */
  batchSize?: number;
  /** Redelivery delay after the first failed attempt; doubles with each further attempt, up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface IndexReport {
  /** Products whose current state reached the index (written, or removed when the product is gone or archived). */
  indexed: number;
  /** Products Elasticsearch did not accept; their events are delivered again later. */
  failed: number;
}

/** The durable JetStream consumer the indexers of every product replica share. */
export const SEARCH_INDEXER_CONSUMER = "search-indexer";

/** Longest wait for new events in one pull (the client's minimum is one second). */
const PULL_WAIT_MS = 1_000;
/** Pause after an unexpected failure (the broker or the database unreachable) before pulling again. */
const FAILURE_PAUSE_MS = 1_000;
// 2^20 × retryBaseMs is far past any sensible cap; bounding the exponent keeps the arithmetic exact.
const MAX_BACKOFF_EXPONENT = 20;

/** Redelivery delay of an event whose products Elasticsearch refused, by the number of deliveries so far. */
export function retryDelayMs(deliveryCount: number, options: { retryBaseMs: number; retryMaxMs: number }): number {
  const exponent = Math.min(Math.max(deliveryCount - 1, 0), MAX_BACKOFF_EXPONENT);
  return Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** exponent);
}

/**
 * Keeps the Elasticsearch index in step with the product events (product.created, product.updated,
 * product.stock_changed, product.archived, product.restored, product.variant_archived, product.variant_restored) from
 * JetStream: one mechanism for every consumer of product changes, not a private outbox.
 *
 * Each batch pulls events from the shared durable consumer, then, holding a transaction-scoped advisory lock, reads
 * the CURRENT state of the products they name and writes it in one bulk request. Writes are serialised by that lock
 * across replicas and each reads the state under it, so whichever writes last writes the newest state: two replicas
 * can never leave an older state in the index. Events are acknowledged only once Elasticsearch accepted their
 * product; the others are negatively acknowledged with a growing delay, so nothing is lost while the cluster is down.
 */
export class SearchIndexer {
  private readonly database: Database;
  private readonly engine: ElasticsearchEngine;
  private readonly consumer: Consumer;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly retry: { retryBaseMs: number; retryMaxMs: number };
  private loop: Promise<void> | undefined;
  private stopping = false;

  constructor(options: SearchIndexerOptions) {
    this.database = options.database;
    this.engine = options.engine;
    this.consumer = options.consumer;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? 500;
    this.retry = { retryBaseMs: options.retryBaseMs ?? 1_000, retryMaxMs: options.retryMaxMs ?? 300_000 };
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = inBackground(() => this.run())();
  }

  /** Stops pulling; resolves once the batch in flight, if any, is settled. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.indexBatch();
      } catch (error) {
        this.logger.error({ err: describeError(error) }, "search indexing failed");
        await new Promise((resolve) => setTimeout(resolve, FAILURE_PAUSE_MS));
      }
    }
  }

  /** Pulls up to batchSize events (waiting at most PULL_WAIT_MS for the first) and indexes the products they name. */
  async indexBatch(): Promise<IndexReport> {
    const messages: JsMsg[] = [];
    const batch = await this.consumer.fetch({ max_messages: this.batchSize, expires: PULL_WAIT_MS });
    for await (const message of batch) messages.push(message);
    if (messages.length === 0) return { indexed: 0, failed: 0 };

    const byProduct = new Map<string, JsMsg[]>();
    for (const message of messages) {
      const productId = productIdOf(message);
      if (!productId) {
        // Not a product event (nothing else is on these subjects); acknowledged so it is not delivered for ever.
        message.ack();
        continue;
      }
      byProduct.set(productId, [...(byProduct.get(productId) ?? []), message]);
    }
    const productIds = [...byProduct.keys()];
    let failed: Set<string>;
    try {
      failed = await indexCurrentState(this.database, this.engine, productIds);
      if (failed.size > 0)
        this.logger.warn({ products: failed.size }, "search index refused some products; will retry");
    } catch (error) {
      failed = new Set(productIds);
      this.logger.warn(
        { err: describeError(error), products: productIds.length },
        "search index unreachable or failing; will retry",
      );
    }
    for (const [productId, productMessages] of byProduct) {
      for (const message of productMessages) {
        if (failed.has(productId)) message.nak(retryDelayMs(message.info.deliveryCount, this.retry));
        else message.ack();
      }
    }
    const report = { indexed: byProduct.size - failed.size, failed: failed.size };
    this.logger.debug(report, "search index updated from product events");
    return report;
  }
}

function productIdOf(message: JsMsg): string | undefined {
  try {
    const subject = message.json<CloudEvent>().subject;
    return typeof subject === "string" && subject !== "" ? subject : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the current state of these products to the index (removing those that no longer exist or are archived, which
 * search must not find; product.restored brings one back) while holding the
 * search index lock, and returns the ids Elasticsearch refused; throws when it cannot be reached. The indexer and
 * reindex both go through here, so their writes of one product never cross.
 */
export async function indexCurrentState(
  database: Database,
  engine: ElasticsearchEngine,
  productIds: string[],
): Promise<Set<string>> {
  if (productIds.length === 0) return new Set();
  return database.transaction(async (tx) => {
    await repository.lockSearchIndex(tx);
    const products = await repository.indexedProducts(tx, productIds);
    const foundIds = new Set(products.map((product) => product.id));
    return new Set([
      ...(await engine.indexDocuments(products.map((product) => toProductDocument(product, product.categoryName)))),
      ...(await engine.deleteDocuments(productIds.filter((id) => !foundIds.has(id)))),
    ]);
  });
}
