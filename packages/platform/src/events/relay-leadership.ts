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
 * The leader's statements each commit by themselves: reading the outbox, and deleting the rows the broker
 * acknowledged. (A transaction with a transaction-scoped lock per batch cost five round trips, BEGIN, lock, read,
 * delete, COMMIT, and an event committed during a batch waited for all of them: most of the relay's share of the event
 * lag, bench/results/README.md.) Rows the broker acknowledged are kept here until the next read deletes them in the
 * same statement (a data-modifying CTE; the read leaves them out, as it still sees them), so a busy relay costs one
 * statement per batch; deleteAcknowledged deletes them by themselves. Every row in the outbox is therefore unpublished
 * or acknowledged and not deleted yet. The leader's connection commits asynchronously (synchronous_commit off): a
 * delete lost in a crash only republishes rows JetStream drops as copies, and no batch waits for a WAL flush.
 */
export class RelayLeadership {
  /** This replica's connection while it holds the relay lock. */
  private session: DatabaseSession | undefined;
  /** Outbox ids the broker acknowledged that have not been deleted yet. */
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
      // - The leader's only writes are deleting acknowledged rows, and losing the last of those in a crash costs a
      //   republish that JetStream drops (Nats-Msg-Id): so they need not wait for the WAL to be flushed to disk, which
      //   put a flush in every batch's path.
      // - Every read walks the primary key in id order. Its entries for rows deleted since the last vacuum point at
      //   dead row versions, and an index scan flags them dead in the index as it passes, so the next read skips
      //   them; a bitmap or sequential scan flags nothing and visits them all again, every read. The planner picked a
      //   bitmap scan, which with 10,000 rows published took 2-4 ms a read instead of 0.1 ms (ARCHITECTURE.md).
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
   * Up to `limit` unpublished rows in id order, and deletes the acknowledged rows in the same statement (which leaves
   * them out). Only while leading. A prepared statement: the relay runs it at every commit under load, and planning it
   * cost PostgreSQL more than running it.
   */
  async readUnsent(limit: number): Promise<OutboxRow[]> {
    const session = this.session;
    if (!session) throw new Error("the relay reads the outbox only while it leads");
    // Taken before the statement: rows acknowledged while it runs wait for the next one. If it fails, the relay
    // resigns, and rows it would have deleted are republished (and dropped by JetStream as copies).
    const acknowledged = this.acknowledged;
    this.acknowledged = [];
    return (
      await session.query<OutboxRow>(
        `WITH published AS (DELETE FROM event_outbox WHERE id = ANY($2::bigint[]))
         SELECT id, event_id, subject, aggregate_id, body, traceparent, tracestate FROM event_outbox
          WHERE id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
        [limit, acknowledged],
        { prepareAs: "outbox_relay_read" },
      )
    ).rows;
  }

  /** Notes rows the broker acknowledged; the next read or deleteAcknowledged deletes them. */
  acknowledge(ids: readonly number[]): void {
    this.acknowledged.push(...ids);
  }

  /** Deletes the acknowledged rows, on the leader's connection (only the leader has any). */
  async deleteAcknowledged(): Promise<void> {
    const acknowledged = this.acknowledged;
    if (!this.session || acknowledged.length === 0) return;
    this.acknowledged = [];
    await this.session.query("DELETE FROM event_outbox WHERE id = ANY($1::bigint[])", [acknowledged]);
  }

  /**
   * Gives the relay lock up by closing the leader's connection (returned to the pool, it would keep the lock). Rows
   * acknowledged but not deleted are published again by whichever replica leads next; JetStream drops the copies
   * by their Nats-Msg-Id.
   */
  resign(): void {
    this.session?.release(true);
    this.session = undefined;
    this.acknowledged = [];
  }
}
