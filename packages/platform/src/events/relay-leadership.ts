import type { Database, DatabaseSession, Queryable } from "../database.js";
import type { OutboxRow } from "./relay-batch.js";

// Any constant will do; it only has to be the same in every replica of a service (each service has its own database).
const RELAY_LOCK_KEY = 727_014;

/**
 * Which replica of a service publishes its outbox: the one whose connection holds the relay lock, a session-level
 * advisory lock. The leader keeps that connection (and so the lock) while it publishes, and gives it up (closing the
 * connection, which ends the lock) when it stops, loses its broker, or a statement fails; the others try to take the
 * lock at each look, so one takes over at its next look when the leader dies (its connection closes with it).
 *
 * The leader's statements each commit by themselves: reading the unsent rows, and marking the acknowledged ones sent.
 * (A transaction with a transaction-scoped lock per batch cost five round trips, BEGIN, lock, read, mark, COMMIT, and
 * an event committed during a batch waited for all of them: most of the relay's share of the event lag,
 * bench/results/README.md.) Rows the broker acknowledged are kept here until the next read marks them sent in the same
 * statement (a data-modifying CTE; the read leaves them out, as it still sees them unsent), so a busy relay costs one
 * statement per batch; markAcknowledged marks them by themselves. The leader's connection commits asynchronously
 * (synchronous_commit off): a mark lost in a crash only republishes rows JetStream drops as copies, and no batch waits
 * for a WAL flush.
 */
export class RelayLeadership {
  /** This replica's connection while it holds the relay lock. */
  private session: DatabaseSession | undefined;
  /** Outbox ids the broker acknowledged that have not been marked sent yet. */
  private acknowledged: number[] = [];

  constructor(private readonly database: Database) {}

  /** The leader's connection while this replica leads, else undefined. */
  get connection(): Queryable | undefined {
    return this.session;
  }

  /** Whether this replica leads: it already held the relay lock, or it was free and is now taken. */
  async lead(): Promise<boolean> {
    if (this.session) return true;
    const session = await this.database.session();
    try {
      const lock = await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
        RELAY_LOCK_KEY,
      ]);
      if (!lock.rows[0]!.locked) {
        session.release();
        return false;
      }
      // Only on this connection, which is closed, never pooled, when it resigns:
      // - The leader's only writes are marking rows sent and pruning, and losing the last of those in a crash costs a
      //   republish that JetStream drops (Nats-Msg-Id): so they need not wait for the WAL to be flushed to disk, which
      //   put a flush in every batch's path.
      // - Every read walks the unsent-rows index in id order. Its entries for rows marked sent since the last vacuum
      //   point at dead row versions, and an index scan flags them dead in the index as it passes, so the next read
      //   skips them; a bitmap or sequential scan flags nothing and visits them all again, every read. The planner
      //   picked a bitmap scan, which with 10,000 rows sent took 2-4 ms a read instead of 0.1 ms (ARCHITECTURE.md).
      await session.query(
        `SELECT set_config('synchronous_commit', 'off', false), set_config('enable_bitmapscan', 'off', false),
                set_config('enable_seqscan', 'off', false)`,
      );
      this.session = session;
      return true;
    } catch (error) {
      session.release(true);
      throw error;
    }
  }

  /**
   * Up to `limit` unsent rows in id order, and marks the acknowledged rows sent in the same statement (which leaves
   * them out). Only while leading.
   */
  async readUnsent(limit: number): Promise<OutboxRow[]> {
    const session = this.session;
    if (!session) throw new Error("the relay reads the outbox only while it leads");
    // Taken before the statement: rows acknowledged while it runs wait for the next one. If it fails, the relay
    // resigns, and rows it would have marked are republished (and dropped by JetStream as copies).
    const acknowledged = this.acknowledged;
    this.acknowledged = [];
    return (
      await session.query<OutboxRow>(
        `WITH sent AS (UPDATE event_outbox SET sent_at = now() WHERE id = ANY($2::bigint[]))
         SELECT id, event_id, subject, aggregate_id, body, traceparent, tracestate FROM event_outbox
          WHERE sent_at IS NULL AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
        [limit, acknowledged],
      )
    ).rows;
  }

  /**
   * Runs `work` on the leader's connection inside a transaction that gives the planner back the scans lead() turned
   * off (SET LOCAL): they suit the read of the few unsent rows, not pruning, which reads most of the table once most
   * rows are sent (a sequential scan there took 93-102 ms for 200,000 rows against 171-176 ms by index). Only while
   * leading.
   */
  async withPlannerDefaults<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const session = this.session;
    if (!session) throw new Error("the relay prunes on its lock's connection only while it leads");
    await session.query("BEGIN");
    try {
      await session.query(
        "SELECT set_config('enable_bitmapscan', 'on', true), set_config('enable_seqscan', 'on', true)",
      );
      const result = await work(session);
      await session.query("COMMIT");
      return result;
    } catch (error) {
      // A failed statement makes the relay resign, closing the connection, which ends the transaction anyway.
      await session.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  /** Notes rows the broker acknowledged; the next read or markAcknowledged marks them sent. */
  acknowledge(ids: readonly number[]): void {
    this.acknowledged.push(...ids);
  }

  /** Marks the acknowledged rows sent, on the leader's connection (only the leader has any). */
  async markAcknowledged(): Promise<void> {
    const acknowledged = this.acknowledged;
    if (!this.session || acknowledged.length === 0) return;
    this.acknowledged = [];
    await this.session.query("UPDATE event_outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", [acknowledged]);
  }

  /**
   * Gives the relay lock up by closing the leader's connection (returned to the pool, it would keep the lock). Rows
   * acknowledged but not marked sent are published again by whichever replica leads next; JetStream drops the copies
   * by their Nats-Msg-Id.
   */
  resign(): void {
    this.session?.release(true);
    this.session = undefined;
    this.acknowledged = [];
  }
}
