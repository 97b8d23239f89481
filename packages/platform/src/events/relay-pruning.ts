import type { Queryable } from "../database.js";

/**
 * Bounds the outbox of a service that publishes nothing (no NATS_URL): deletes the rows beyond the newest
 * `maxUnpublished`, oldest first, and returns how many it deleted.
 */
export async function pruneOutbox(db: Queryable, maxUnpublished: number): Promise<number> {
  return (
    await db.query(
      `DELETE FROM event_outbox WHERE id <= (SELECT id FROM event_outbox ORDER BY id DESC OFFSET $1 LIMIT 1)`,
      [maxUnpublished],
    )
  ).rowCount!;
}
