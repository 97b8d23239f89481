import { describeError, eventsSubject, inBackground, onEventsCommitted, type Logger } from "@polyscale/platform";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { LRUCache } from "lru-cache";
import type { SearchQuery, SearchResult } from "../model.js";
import type { SearchEngine } from "./search-engine.js";

/**
 * The product events (published by every replica's outbox relay after the change committed): product.created,
 * product.updated, product.stock_changed, product.archived, product.restored, product.variant_archived and
 * product.variant_restored, one for every change a search can show. Categories are only ever
 * created, which changes no result (a category without products is in no facet).
 */
export const PRODUCT_EVENTS_SUBJECT = eventsSubject("product");

/**
 * The key of a search: the query with its text normalised the way the engine reads it (Unicode NFC, case folded,
 * runs of spaces as one; whether it ends inside a word is kept, since the last word is then also a prefix) and the
 * categories, options and option values in a fixed order.
 */
export function searchCacheKey(query: SearchQuery): string {
  return JSON.stringify([
    query.text.normalize("NFC").toLowerCase().replace(/\s+/gu, " ").trimStart(),
    [...query.categoryIds].sort(),
    query.currency,
    query.minPriceCents ?? null,
    query.maxPriceCents ?? null,
    query.inStockOnly,
    [...query.options]
      .map((filter) => [filter.name, [...filter.values].sort()] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    query.sort,
    query.skip,
    query.take,
  ]);
}

export interface CachedSearchEngineOptions {
  /** The engine whose results are kept. */
  engine: SearchEngine;
  /** NATS, for the product events of every replica. */
  connection: NatsConnection;
  /** How many results to keep (the most recently used). */
  entries: number;
  logger: Logger;
}

/**
 * Results of recent searches, kept in this process (the most recently used `entries` ones) and dropped whenever the
 * catalogue changes: synchronously when a transaction of this process that recorded events commits (every product,
 * stock or reservation change records one), and on the product events of every other replica (NATS).
 *
 * Why no result outlives a change: every commit here and every event bumps the generation and empties the cache; a
 * result is kept only if the generation did not move while it was being computed. A search that read the catalogue
 * before a commit therefore either finished before the commit (or the event) and is dropped with everything else,
 * or finished after and is not kept. So this replica reads its own writes as soon as the write's call returns; other
 * replicas show it once the event arrives: the relay publishes right after the commit (after OUTBOX_LINGER_MS, 0 by
 * default; at the latest on its next poll, OUTBOX_POLL_MS, 50 ms), plus the NATS delivery. While the connection to
 * NATS is down, nothing is served from or kept in the cache: events may be missed.
 */
export class CachedSearchEngine implements SearchEngine {
  readonly name: SearchEngine["name"];
  private readonly results: LRUCache<string, SearchResult>;
  private generation = 0;
  private listening = false;
  private subscription: Subscription | undefined;
  /** The start-up flush: settles once the server has the subscription (or the connection failed). */
  private subscribed: Promise<void> | undefined;
  private stopCommitListener: (() => void) | undefined;

  /** Searches answered from the cache and computed, since start. */
  readonly stats = { hits: 0, misses: 0 };

  private readonly engine: SearchEngine;

  constructor(private readonly options: CachedSearchEngineOptions) {
    this.engine = options.engine;
    this.name = options.engine.name;
    this.results = new LRUCache({ max: options.entries });
  }

  /**
   * Subscribes to the events and returns at once (a background job's start). Until the server confirms the
   * subscription (a flush) every search goes to the engine; from then on no event can be missed, and results are
   * kept.
   */
  start(): void {
    const { connection, logger } = this.options;
    this.subscription = connection.subscribe(PRODUCT_EVENTS_SUBJECT, { callback: inBackground(() => this.forget()) });
    this.stopCommitListener = onEventsCommitted(() => this.forget());
    void this.followStatus();
    this.subscribed = connection.flush().then(
      () => {
        if (this.subscription?.isClosed() !== false) return; // stopped meanwhile
        this.forget();
        this.listening = true;
        logger.info("search cache on");
      },
      (error: unknown) => logger.warn({ err: describeError(error) }, "search cache off: subscription not confirmed"),
    );
  }

  /** Stops keeping and serving results and unsubscribes; waits for a confirmation still under way. */
  async stop(): Promise<void> {
    this.listening = false;
    this.forget();
    this.stopCommitListener?.();
    this.subscription?.unsubscribe();
    await this.subscribed;
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    if (!this.listening) return this.engine.search(query);
    const key = searchCacheKey(query);
    const cached = this.results.get(key);
    if (cached) {
      this.stats.hits += 1;
      return cached;
    }
    this.stats.misses += 1;
    const generation = this.generation;
    const result = await this.engine.search(query);
    if (this.listening && generation === this.generation) this.results.set(key, result);
    return result;
  }

  /** Drops every result and keeps any search still being computed from keeping its result. */
  private forget(): void {
    this.generation += 1;
    // LRUCache.clear() fills arrays of all `entries` slots, however few are used: on every product event and commit
    // that cost the product service about 4 % of its CPU during a checkout race, with nothing cached.
    if (this.results.size > 0) this.results.clear();
  }

  /**
   * Off while disconnected (events published meanwhile never reach this replica), on again with an empty cache once
   * reconnected (the client subscribes again before it reports the reconnection); emptied if the server dropped
   * messages for this slow consumer.
   */
  private async followStatus(): Promise<void> {
    for await (const status of this.options.connection.status()) {
      if (status.type === "reconnect") {
        this.forget();
        this.listening = this.subscription !== undefined && !this.subscription.isClosed();
        this.options.logger.info("search cache on again");
      } else if (status.type === "disconnect" || status.type === "close") {
        this.listening = false;
        this.forget();
        this.options.logger.warn("search cache off: disconnected from NATS");
      } else if (status.type === "slowConsumer") {
        this.forget();
      }
    }
  }
}
