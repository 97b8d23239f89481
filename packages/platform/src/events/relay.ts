import type { Logger } from "pino";
import type { Database, DatabaseSession } from "../database.js";
import { describeError } from "../error-description.js";
import { inBackground } from "../telemetry/background.js";
import { onEventsCommitted } from "./outbox.js";

/** One outbox row as it goes to the broker. */
export interface OutboxMessage {
  /** The event id (UUIDv7): the broker's deduplication key. */
  id: string;
  /** Where it is published, e.g. polyscale.order.placed. */
  subject: string;
  /** The CloudEvents JSON envelope. */
  body: string;
  /** W3C trace context of the request that wrote the event (sent as message headers), when it was traced. */
  traceparent?: string;
  tracestate?: string;
  /**
   * The id of the message published just before this one, an earlier event of the same aggregate: the broker must
   * store this one only if that one is the last it stored (JetStream: Nats-Expected-Last-Msg-Id). Unset for the first
   * message of an aggregate in a batch.
   */
  previousId?: string;
}

/**
 * Where the relay sends events. Kept this small so a different broker (Kafka: topic per aggregate type, event id as
 * key, idempotent producer; see ARCHITECTURE.md) fits behind it.
 */
export interface EventPublisher {
  /**
   * Stores the message durably; resolves only once the broker acknowledged it, rejects when it did not (or refused it
   * because the message named as previousId is not the last one stored). Sending the same id twice must store it once.
   * Calls made one after another without awaiting reach the broker in call order.
   */
  publish(message: OutboxMessage): Promise<void>;
  /** False while the broker is known to be unreachable: the relay then waits instead of trying. */
  isConnected(): boolean;
  close(): Promise<void>;
}

/** What an OutboxRelay is built from, in one object like every background job's (CONTRIBUTING.md). */
export interface OutboxRelayOptions {
  /** The service's database: its outbox table, and the connection that holds the relay lock while it leads. */
  database: Database;
  /** Where events are published; undefined without a broker (no NATS_URL), when the relay only bounds the table. */
  publisher: EventPublisher | undefined;
  logger: Logger;
  /**
   * Pause between looks at the outbox when it had nothing (more) to publish; events committed by this process wake
   * the relay sooner.
   */
  pollMs: number;
  /** Rows per batch. */
  batchSize?: number;
  /** How long published rows are kept before they are pruned. */
  sentRetentionMs?: number;
  /** Without a publisher (no NATS_URL), at most this many unpublished events are kept; older ones are dropped. */
  maxUnpublished?: number;
}

export interface RelayReport {
  published: number;
  /** Rows the broker did not acknowledge; they and the later rows of their aggregates wait for the next batch. */
  failed: number;
}

interface OutboxRow {
  id: number;
  event_id: string;
  subject: string;
  aggregate_id: string;
  body: string;
  traceparent: string | null;
  tracestate: string | null;
}

// Any constant will do; it only has to be the same in every replica of a service (each service has its own database).
const RELAY_LOCK_KEY = 727_014;
const PRUNE_INTERVAL_MS = 10_000;
const PRUNE_BATCH = 10_000;
const MAX_RETRY_DELAY_MS = 5_000;

/**
 * Publishes the outbox (see outbox.ts) in id order, which is commit order per aggregate, and marks rows sent only
 * after the broker acknowledged them.
 *
 * Replicas: one replica publishes, the one whose connection holds the relay lock, a session-level advisory lock. It
 * keeps that connection (and so the lock) while it publishes, and gives it up (closing the connection, which ends the
 * lock) when it stops, loses its broker, or a statement fails; the others try to take the lock at each poll, so one
 * takes over at its next poll when the leader dies (its connection closes with it). A batch then costs two statements,
 * each committing by itself: reading the unsent rows, and marking the acknowledged ones sent. (A transaction with a
 * transaction-scoped lock per batch cost five round trips, BEGIN, lock, read, mark, COMMIT, and an event committed
 * during a batch waited for all of them: most of the relay's share of the event lag, bench/results/README.md.) While
 * events keep coming, the relay looks again at once after a batch, and then the rows it acknowledged are marked sent by
 * that next read, in the same statement (a data-modifying CTE; the read leaves them out, as it still sees them unsent),
 * so a busy relay costs one statement per batch, and an event committed during a batch waits one round trip less;
 * before it pauses, and before it stops or gives the lead up, it marks them by themselves. The leader's connection
 * commits asynchronously (synchronous_commit off): a mark lost in a crash only republishes rows JetStream drops as
 * copies, and no batch waits for a WAL flush. A batch is
 * published pipelined: every row is handed to the broker at once, each aggregate's rows one after the other in id
 * order, and then all acknowledgements are awaited (waiting for each before sending the next made the events of a hot
 * product queue behind one round trip each). The broker stores them in the order they were sent, and every row but the
 * first of its aggregate names its predecessor as the message that must have been stored last, so when one is lost
 * the later ones of its aggregate are refused rather than stored ahead of it. Rows are marked sent up to the first
 * failure of their aggregate; the rest stay for the next batch. So nothing is sent twice by two replicas, and nothing
 * overtakes an earlier event of its aggregate. A crash after the broker stored a message but before the commit
 * republishes it, and JetStream drops the copy by its Nats-Msg-Id.
 *
 * When to look: at once after a transaction of this process that wrote events commits (so an event is on its way
 * within a round trip or two of its commit, without LISTEN/NOTIFY, whose queue lock serialises commits), and every
 * pollMs for events of other replicas and for retries.
 *
 * Without a publisher (no NATS_URL) the relay only bounds the table: it keeps the newest maxUnpublished events.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly sentRetentionMs: number;
  private readonly maxUnpublished: number;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private lastPrune = 0;
  private failures = 0;
  /** Events committed since the current batch started: look again without pausing. */
  private committedSince = false;
  /** Whether the last batch was this replica's turn (it holds the lock); if not, another replica is publishing. */
  private publishedLast = false;
  /** This replica's connection while it holds the relay lock. */
  private leader: DatabaseSession | undefined;
  /** Outbox ids the broker acknowledged that the leader has not marked sent yet: the next read or pause marks them. */
  private acknowledged: number[] = [];
  private stopListening: (() => void) | undefined;
  private readonly database: Database;
  private readonly publisher: EventPublisher | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: OutboxRelayOptions) {
    this.database = options.database;
    this.publisher = options.publisher;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? 500;
    this.sentRetentionMs = options.sentRetentionMs ?? 60_000;
    this.maxUnpublished = options.maxUnpublished ?? 10_000;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    // An event committed by this process is published at once rather than at the next poll (the poll remains for
    // events of other replicas and for retries).
    if (this.publisher) {
      this.stopListening = onEventsCommitted(() => {
        this.committedSince = true;
        if (this.failures === 0 && this.publisher?.isConnected()) this.wakeUp?.();
      });
    }
    this.loop = inBackground(() => this.run())();
  }

  /** Stops polling; resolves once the batch in flight, if any, has committed or rolled back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopListening?.();
    this.wakeUp?.();
    await this.loop;
    this.loop = undefined;
    await this.markAcknowledged().catch((error: unknown) =>
      this.logger.warn({ err: describeError(error) }, "could not mark published events sent; they will be republished"),
    );
    this.resign();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let report: RelayReport | undefined;
      this.committedSince = false;
      try {
        // A leader without its broker lets a replica that has one publish.
        if (this.publisher?.isConnected()) report = await this.publishBatch();
        else {
          await this.markAcknowledgedOrResign();
          this.resign();
        }
        if (Date.now() - this.lastPrune >= PRUNE_INTERVAL_MS) {
          this.lastPrune = Date.now();
          await this.prune();
        }
      } catch (error) {
        this.logger.error({ err: describeError(error) }, "event outbox relay failed");
      }
      if (report && report.failed > 0) {
        this.failures += 1;
        await this.markAcknowledgedOrResign();
        await this.pause(Math.min(MAX_RETRY_DELAY_MS, this.options.pollMs * 2 ** this.failures));
        continue;
      }
      this.failures = 0;
      // A full batch means more may be waiting, and so do events committed during this batch: look again at once
      // (that read marks this batch's rows sent).
      if (report && (report.published === this.batchSize || (this.committedSince && this.publishedLast))) continue;
      await this.markAcknowledgedOrResign();
      await this.pause(this.options.pollMs);
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /**
   * Publishes up to batchSize unsent rows, if no other replica is publishing right now, and marks the acknowledged
   * ones sent before it returns.
   */
  async relayBatch(): Promise<RelayReport> {
    const report = await this.publishBatch();
    await this.markAcknowledged();
    return report;
  }

  /**
   * relayBatch, except that the rows the broker acknowledged are left in `acknowledged`, to be marked sent by the next
   * batch's read or by markAcknowledged. What the relay's loop runs (protected so a benchmark can time it).
   */
  protected async publishBatch(): Promise<RelayReport> {
    const publisher = this.publisher;
    if (!publisher) return { published: 0, failed: 0 };
    const leader = await this.lead();
    this.publishedLast = leader !== undefined;
    if (!leader) return { published: 0, failed: 0 };
    try {
      const rows = (
        await leader.query<OutboxRow>(
          `WITH sent AS (UPDATE event_outbox SET sent_at = now() WHERE id = ANY($2::bigint[]))
           SELECT id, event_id, subject, aggregate_id, body, traceparent, tracestate FROM event_outbox
            WHERE sent_at IS NULL AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
          [this.batchSize, this.acknowledged],
        )
      ).rows;
      this.acknowledged = [];
      if (rows.length === 0) return { published: 0, failed: 0 };

      // Each aggregate's rows one after the other (in id order), the aggregates in the order of their first row.
      const byAggregate = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const list = byAggregate.get(row.aggregate_id) ?? [];
        list.push(row);
        byAggregate.set(row.aggregate_id, list);
      }
      const runs = [...byAggregate.values()];
      // All at once, in this order, without waiting for each acknowledgement; every row but the first of its aggregate
      // names the row sent just before it, which is its predecessor of the same aggregate.
      const acks = runs.map((run) =>
        run.map((row, index) =>
          publisher.publish({
            id: row.event_id,
            subject: row.subject,
            body: row.body,
            traceparent: row.traceparent ?? undefined,
            tracestate: row.tracestate ?? undefined,
            previousId: index === 0 ? undefined : run[index - 1]!.event_id,
          }),
        ),
      );
      const sent: number[] = [];
      let failed = 0;
      let firstError: unknown;
      for (const [runIndex, outcomes] of (await Promise.all(acks.map((run) => Promise.allSettled(run)))).entries()) {
        // Only the acknowledged rows before the first failure count as sent: the later ones are published again (the
        // broker drops any copy it already stored), so none of them can end up before the one that failed.
        const firstFailure = outcomes.findIndex((outcome) => outcome.status === "rejected");
        const acknowledged = firstFailure === -1 ? outcomes.length : firstFailure;
        sent.push(...runs[runIndex]!.slice(0, acknowledged).map((row) => row.id));
        if (firstFailure !== -1) {
          failed += outcomes.length - acknowledged;
          firstError ??= (outcomes[firstFailure] as PromiseRejectedResult).reason;
        }
      }
      this.acknowledged = sent;
      if (failed > 0) {
        this.logger.warn({ err: describeError(firstError), failed }, "events not acknowledged by NATS; will retry");
      }
      return { published: sent.length, failed };
    } catch (error) {
      // Whatever failed (most likely the connection), another replica may take over; rows not marked sent are
      // published again, and JetStream drops the copies it stored by their Nats-Msg-Id.
      this.resign();
      throw error;
    }
  }

  /** This replica's session holding the relay lock: the one it holds, or a new one if the lock is free; else none. */
  private async lead(): Promise<DatabaseSession | undefined> {
    if (this.leader) return this.leader;
    const session = await this.database.session();
    try {
      const lock = await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
        RELAY_LOCK_KEY,
      ]);
      if (!lock.rows[0]!.locked) {
        session.release();
        return undefined;
      }
      // The leader's only writes are marking rows sent and pruning, and losing the last of those in a crash costs a
      // republish that JetStream drops (Nats-Msg-Id): so they need not wait for the WAL to be flushed to disk, which
      // put a flush in every batch's path. Only on this connection, which is closed, never pooled, when it resigns.
      await session.query("SET synchronous_commit = off");
      return (this.leader = session);
    } catch (error) {
      session.release(true);
      throw error;
    }
  }

  /** Marks the acknowledged rows sent, on the leader's connection (only the leader has any). */
  private async markAcknowledged(): Promise<void> {
    if (!this.leader || this.acknowledged.length === 0) return;
    await this.leader.query("UPDATE event_outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", [
      this.acknowledged,
    ]);
    this.acknowledged = [];
  }

  /** markAcknowledged; if that fails (most likely the connection), logs it and gives the lead up. */
  private async markAcknowledgedOrResign(): Promise<void> {
    try {
      await this.markAcknowledged();
    } catch (error) {
      this.resign();
      this.logger.error({ err: describeError(error) }, "event outbox relay failed");
    }
  }

  /**
   * Gives the relay lock up by closing the leader's connection (returned to the pool, it would keep the lock). Rows
   * acknowledged but not marked sent are published again by whichever replica leads next; JetStream drops the copies
   * by their Nats-Msg-Id.
   */
  private resign(): void {
    this.leader?.release(true);
    this.leader = undefined;
    this.acknowledged = [];
  }

  /** Deletes sent rows past their retention and, without a publisher, unpublished rows beyond the cap. */
  async prune(): Promise<number> {
    // A leader's pool may have no other connection than the one it holds.
    const db = this.leader ?? this.database;
    let deleted = (
      await db.query(
        `DELETE FROM event_outbox WHERE id IN (
           SELECT id FROM event_outbox WHERE sent_at < now() - $1 * interval '1 millisecond' ORDER BY sent_at LIMIT $2)`,
        [this.sentRetentionMs, PRUNE_BATCH],
      )
    ).rowCount!;
    if (!this.publisher) {
      deleted += (
        await db.query(
          `DELETE FROM event_outbox WHERE sent_at IS NULL AND id <= (
             SELECT id FROM event_outbox WHERE sent_at IS NULL ORDER BY id DESC OFFSET $1 LIMIT 1)`,
          [this.maxUnpublished],
        )
      ).rowCount!;
    }
    return deleted;
  }
}
