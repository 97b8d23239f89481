import type { Logger } from "pino";
import type { Database } from "../database.js";
import { describeError } from "../error-description.js";
import { inBackground } from "../telemetry/background.js";
import { onEventsCommitted } from "./outbox.js";
import type { EventPublisher } from "./publisher.js";
import { publishRows } from "./relay-batch.js";
import { RelayLeadership } from "./relay-leadership.js";
import { pruneOutbox } from "./relay-pruning.js";

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
  /**
   * How long the relay waits, once a commit of this process woke it, before it reads: the events committed meanwhile
   * go out in the same batch, for one read and one round of acknowledgements (Kafka's `linger.ms`). 0 reads at once.
   */
  lingerMs?: number;
  /** Rows per batch. */
  batchSize?: number;
  /** Without a publisher (no NATS_URL), at most this many unpublished events are kept; older ones are dropped. */
  maxUnpublished?: number;
}

export interface RelayReport {
  published: number;
  /** Rows the broker did not acknowledge; they and the later rows of their aggregates wait for the next batch. */
  failed: number;
}

const PRUNE_INTERVAL_MS = 10_000;
/** Acknowledged rows wait for the next read to delete them only when it comes within this; else they are deleted. */
const DELETE_WITH_NEXT_READ_MS = 1_000;
const MAX_RETRY_DELAY_MS = 5_000;

/**
 * Publishes the outbox (see outbox.ts) in id order, which is commit order per aggregate, and deletes rows only after
 * the broker acknowledged them. This is the loop: when to look, when to pause, retries; the parts are beside it.
 *
 * - Which replica publishes: the leader, the one holding the relay lock (relay-leadership.ts: the lock's session, the
 *   read that deletes the last batch's acknowledged rows in the same statement, the delete by itself). So nothing is
 *   sent twice by two replicas. A relay gives the lead up when it stops, loses its broker, or a statement fails.
 * - How a batch is published: pipelined, each aggregate's rows in id order, every later one naming its predecessor as
 *   the message that must have been stored last (relay-batch.ts). So nothing overtakes an earlier event of its
 *   aggregate; rows are deleted up to the first failure of their aggregate, the rest stay for the next batch. A crash
 *   after the broker stored a message but before its row was deleted republishes it, and JetStream drops the copy by
 *   its Nats-Msg-Id.
 *
 * When to look: at once after a transaction of this process that wrote events commits (so an event is on its way
 * within a round trip or two of its commit, without LISTEN/NOTIFY, whose queue lock serialises commits), and every
 * pollMs for events of other replicas and for retries; woken by a commit, it first lingers lingerMs, if set, so the
 * commits that follow share the batch. While events keep coming (a full batch, or commits during one), the relay looks
 * again after a batch. The next read, whenever it comes, deletes the last batch's rows; before it stops or gives the
 * lead up, or pauses for more than a second, the relay deletes them by themselves.
 *
 * Without a publisher (no NATS_URL) the relay only bounds the table, every 10 s: it keeps the newest maxUnpublished
 * events (relay-pruning.ts).
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly maxUnpublished: number;
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Ends the current wait early: a commit of this process calls it during a pause, not during a linger. */
  private wakeUp: (() => void) | undefined;
  /** Ends the current wait, pause or linger, when the relay stops. */
  private endWait: (() => void) | undefined;
  private lastPrune = 0;
  private failures = 0;
  /** Events committed since the current batch started: look again without pausing. */
  private committedSince = false;
  /** Whether the last batch was this replica's turn (it holds the lock); if not, another replica is publishing. */
  private publishedLast = false;
  private readonly leadership: RelayLeadership;
  private stopListening: (() => void) | undefined;
  private readonly publisher: EventPublisher | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: OutboxRelayOptions) {
    this.leadership = new RelayLeadership(options.database);
    this.publisher = options.publisher;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? 500;
    this.lingerMs = options.lingerMs ?? 0;
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

  /** Stops polling; resolves once the batch in flight, if any, has been published and its rows deleted. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopListening?.();
    this.endWait?.();
    await this.loop;
    this.loop = undefined;
    await this.leadership
      .deleteAcknowledged()
      .catch((error: unknown) =>
        this.logger.warn(
          { err: describeError(error) },
          "could not delete published events from the outbox; they will be republished",
        ),
      );
    this.leadership.resign();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let report: RelayReport | undefined;
      this.committedSince = false;
      try {
        // A leader without its broker lets a replica that has one publish.
        if (this.publisher?.isConnected()) report = await this.publishBatch();
        else {
          await this.deleteAcknowledgedOrResign();
          this.leadership.resign();
        }
        if (!this.publisher && Date.now() - this.lastPrune >= PRUNE_INTERVAL_MS) {
          this.lastPrune = Date.now();
          await this.prune();
        }
      } catch (error) {
        this.logger.error({ err: describeError(error) }, "event outbox relay failed");
      }
      if (report && report.failed > 0) {
        this.failures += 1;
        await this.deleteAcknowledgedOrResign();
        await this.pause(Math.min(MAX_RETRY_DELAY_MS, this.options.pollMs * 2 ** this.failures));
        continue;
      }
      this.failures = 0;
      // A full batch means more are waiting: look again at once. Events committed during this batch are waiting too,
      // after the linger. Either read deletes this batch's rows.
      if (report && report.published === this.batchSize) continue;
      if (report && this.committedSince && this.publishedLast) {
        await this.linger();
        continue;
      }
      // Idle: the next read (a commit's, or the next poll's) deletes the rows just acknowledged, unless polls are so
      // far apart that the backlog would count them as waiting meanwhile.
      if (this.options.pollMs > DELETE_WITH_NEXT_READ_MS) await this.deleteAcknowledgedOrResign();
      if (await this.pause(this.options.pollMs)) await this.linger();
    }
  }

  /** Resolves after `ms`, or sooner when a commit of this process (or stop) wakes the relay: then with true. */
  private pause(ms: number): Promise<boolean> {
    return this.wait(ms, { wokenByCommits: true });
  }

  /** Lets the commits that follow the one that woke the relay join its batch (lingerMs); stop() ends it at once. */
  private async linger(): Promise<void> {
    if (this.lingerMs > 0) await this.wait(this.lingerMs, { wokenByCommits: false });
  }

  /** Resolves after `ms` with false, or with true once ended early (by stop, and by commits if wokenByCommits). */
  private wait(ms: number, options: { wokenByCommits: boolean }): Promise<boolean> {
    if (this.stopping) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ended: boolean) => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.endWait = undefined;
        resolve(ended);
      };
      const timer = setTimeout(() => done(false), ms);
      this.endWait = () => done(true);
      if (options.wokenByCommits) this.wakeUp = this.endWait;
    });
  }

  /**
   * Publishes up to batchSize rows, if no other replica is publishing right now, and deletes the acknowledged ones
   * before it returns.
   */
  async relayBatch(): Promise<RelayReport> {
    const report = await this.publishBatch();
    await this.leadership.deleteAcknowledged();
    return report;
  }

  /**
   * relayBatch, except that the rows the broker acknowledged are left to be deleted by the next batch's read or by
   * deleteAcknowledged. What the relay's loop runs (protected so a benchmark can time it).
   */
  protected async publishBatch(): Promise<RelayReport> {
    const publisher = this.publisher;
    if (!publisher) return { published: 0, failed: 0 };
    try {
      this.publishedLast = await this.leadership.lead();
      if (!this.publishedLast) return { published: 0, failed: 0 };
      const rows = await this.leadership.readUnsent(this.batchSize);
      if (rows.length === 0) return { published: 0, failed: 0 };
      const outcome = await publishRows(publisher, rows);
      this.leadership.acknowledge(outcome.sent);
      if (outcome.failed > 0) {
        this.logger.warn(
          { code: "EVENTS_NOT_ACKNOWLEDGED", err: describeError(outcome.firstError), failed: outcome.failed },
          "events not acknowledged by NATS; will retry",
        );
      }
      return { published: outcome.sent.length, failed: outcome.failed };
    } catch (error) {
      // Whatever failed (most likely the connection), another replica may take over; rows not deleted are
      // published again, and JetStream drops the copies it stored by their Nats-Msg-Id.
      this.leadership.resign();
      throw error;
    }
  }

  /** Deletes the acknowledged rows; if that fails (most likely the connection), logs it and gives the lead up. */
  private async deleteAcknowledgedOrResign(): Promise<void> {
    try {
      await this.leadership.deleteAcknowledged();
    } catch (error) {
      this.leadership.resign();
      this.logger.error({ err: describeError(error) }, "event outbox relay failed");
    }
  }

  /**
   * Without a publisher, deletes the unpublished rows beyond the newest maxUnpublished and returns how many; with one,
   * nothing (published rows are deleted as they are acknowledged) and 0.
   */
  async prune(): Promise<number> {
    return this.publisher ? 0 : pruneOutbox(this.options.database, this.maxUnpublished);
  }
}
