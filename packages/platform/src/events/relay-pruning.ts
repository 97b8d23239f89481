import type { Queryable } from "../database.js";

const PRUNE_BATCH = 10_000;

/**
 * Deletes up to 10,000 sent rows older than `sentRetentionMs` and, when `maxUnpublished` is given (a relay without a
 * publisher: no NATS_URL), the unpublished rows beyond the newest `maxUnpublished`. Returns how many rows it deleted.
 */
export async function pruneOutbox(
  db: Queryable,
  options: { sentRetentionMs: number; maxUnpublished: number | undefined },
): Promise<number> {
  let deleted = (
    await db.query(
      `DELETE FROM event_outbox WHERE id IN (
         SELECT id FROM event_outbox WHERE sent_at < now() - $1 * interval '1 millisecond' ORDER BY sent_at LIMIT $2)`,
      [options.sentRetentionMs, PRUNE_BATCH],
    )
  ).rowCount!;
  if (options.maxUnpublished !== undefined) {
    deleted += (
      await db.query(
        `DELETE FROM event_outbox WHERE sent_at IS NULL AND id <= (
           SELECT id FROM event_outbox WHERE sent_at IS NULL ORDER BY id DESC OFFSET $1 LIMIT 1)`,
        [options.maxUnpublished],
      )
    ).rowCount!;
  }
  return deleted;
}
