import { inBackground, Outage, type Logger } from "@polyscale/platform";
import type { Revocation } from "@polyscale/proto/account/v1/account";
import type { RevocationRecord } from "./model.js";

/** What the feed reads: revocations recorded within the last `withinSeconds`, and how long one matters. */
export interface RevocationSource {
  recentRevocations(withinSeconds?: number): Promise<RevocationRecord[]>;
  readonly revocationLifetimeMs: number;
}

export interface RevocationFeedOptions {
  /** Where revocations are read (the account service, over its database). */
  source: RevocationSource;
  /** How often the table is read for revocations made by other replicas (this one's are read at once). */
  pollMs: number;
  /** How often subscribers get an empty message, by which they know their stream is alive. */
  heartbeatMs: number;
  logger: Logger;
}

/**
 * A transaction can commit well after its recorded_at (its start), so each poll reads this far back and sends only
 * what it has not sent; gateways apply revocations idempotently, so a repeat would be harmless anyway.
 */
const POLL_LOOKBACK_SECONDS = 30;
/** Catch-up is sent in messages of at most this many revocations (far below gRPC's 4 MB message limit). */
const CATCH_UP_BATCH = 1000;

type Subscriber = (revocations: Revocation[]) => void;

/**
 * Fans revocations out to every gateway's WatchRevocations stream. The table is the source of truth, so revocations
 * made by any account replica reach gateways connected to any other: each replica polls it (only while someone
 * listens), and looks at once after its own changes (notify()).
 */
export class RevocationFeed {
  private readonly subscribers = new Set<Subscriber>();
  /** Sequences already sent, with when they were recorded, pruned past the lookback. */
  private readonly sent = new Map<number, number>();
  private pollTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private pollAgain = false;
  /** While the table cannot be read: one log line per state change, and polls spaced out (at most 5 s apart). */
  private readonly outage: Outage;
  private retryAt = 0;

  constructor(private readonly options: RevocationFeedOptions) {
    this.outage = new Outage(options.logger, {
      code: "REVOCATIONS_UNREADABLE",
      message: "could not read revocations; will retry",
      recoveredMessage: "revocations readable again",
      firstDelayMs: options.pollMs,
      maxDelayMs: 5_000,
    });
  }

  /** Reads the table now (after this replica recorded a revocation). */
  notify(): void {
    if (this.subscribers.size > 0) void this.poll();
  }

  /**
   * Sends every revocation that still matters, then each new one, until `signal` aborts. The subscriber is registered
   * before the catch-up is read, so nothing recorded in between is missed.
   */
  async subscribe(send: Subscriber, signal: AbortSignal): Promise<void> {
    this.subscribers.add(send);
    this.start();
    try {
      const lifetimeSeconds = Math.ceil(this.options.source.revocationLifetimeMs / 1000);
      const catchUp = (await this.options.source.recentRevocations(lifetimeSeconds)).map((record) =>
        this.toMessage(record),
      );
      // An empty first message too: it tells the gateway it is caught up.
      for (let start = 0; start === 0 || start < catchUp.length; start += CATCH_UP_BATCH) {
        send(catchUp.slice(start, start + CATCH_UP_BATCH));
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      this.subscribers.delete(send);
      if (this.subscribers.size === 0) await this.stop();
    }
  }

  /**
   * Stops the timers and resolves once the read in progress, if any, has finished, so what it reads from (the
   * database) can close after it. Subscribers' streams end with their calls; a new subscriber starts the feed again.
   */
  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = this.heartbeatTimer = undefined;
    await this.polling;
  }

  private start(): void {
    this.pollTimer ??= setInterval(
      inBackground(() => void this.poll()),
      this.options.pollMs,
    );
    this.heartbeatTimer ??= setInterval(
      inBackground(() => this.broadcast([])),
      this.options.heartbeatMs,
    );
  }

  /** One read at a time; a notify() during a read makes one more read after it. */
  private poll(): Promise<void> {
    if (Date.now() < this.retryAt) return Promise.resolve();
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    // Shared by every subscriber, so never part of the request (a notify() after a logout) that happened to start it.
    this.polling = inBackground(async () => {
      do {
        this.pollAgain = false;
        try {
          const fresh = (await this.options.source.recentRevocations(POLL_LOOKBACK_SECONDS)).filter(
            (record) => !this.sent.has(record.sequence),
          );
          for (const record of fresh) this.sent.set(record.sequence, record.recordedAt.getTime());
          if (fresh.length > 0) this.broadcast(fresh.map((record) => this.toMessage(record)));
          this.prune();
          this.outage.recovered();
        } catch (error) {
          this.retryAt = Date.now() + this.outage.failed(error);
          this.pollAgain = false;
        }
      } while (this.pollAgain);
    })().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private broadcast(revocations: Revocation[]): void {
    for (const send of this.subscribers) send(revocations);
  }

  private prune(): void {
    const horizon = Date.now() - 2 * POLL_LOOKBACK_SECONDS * 1000;
    for (const [sequence, recordedAt] of this.sent) if (recordedAt < horizon) this.sent.delete(sequence);
  }

  private toMessage(record: RevocationRecord): Revocation {
    return {
      accountId: record.accountId,
      sessionId: record.sessionId ?? "",
      generation: record.generation,
      forgetAfter: new Date(record.recordedAt.getTime() + this.options.source.revocationLifetimeMs),
    };
  }
}
