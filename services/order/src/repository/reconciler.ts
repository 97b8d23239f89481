/** The reconciler's reads and sweeps (reconciler.ts): orders' statuses, expiry, abandoned idempotency claims. */
import type { Queryable } from "@polyscale/platform";
import type { Order, OrderStatus } from "../model.js";

/** The status of each order that exists among the ids. */
export async function findOrderStatuses(db: Queryable, ids: readonly string[]): Promise<Map<string, OrderStatus>> {
  if (ids.length === 0) return new Map();
  const result = await db.query<{ id: string; status: OrderStatus }>(
    "SELECT id, status FROM orders WHERE id = ANY($1::uuid[])",
    [ids],
  );
  return new Map(result.rows.map((row) => [row.id, row.status]));
}

/**
 * Moves up to `limit` unpaid orders whose payment window has passed to expired and queues the release of their stock,
 * in one statement. Rows another transaction holds (a sweep in another replica, a payment being recorded) are
 * skipped, and the UPDATE keeps the status condition, so each order expires exactly once however many replicas sweep.
 * Returns the orders expired.
 */
export async function expireDueOrders(
  db: Queryable,
  limit: number,
): Promise<Array<Pick<Order, "id" | "accountId" | "totalCents" | "currency">>> {
  const result = await db.query<Pick<Order, "id" | "accountId" | "totalCents" | "currency">>(
    `WITH due AS (
       SELECT id FROM orders WHERE status = 'pending_payment' AND payment_due_at <= now()
        ORDER BY payment_due_at LIMIT $1 FOR UPDATE SKIP LOCKED
     ), expired AS (
       UPDATE orders o SET status = 'expired', updated_at = now()
         FROM due WHERE o.id = due.id AND o.status = 'pending_payment'
       RETURNING o.id, o.account_id, o.total_cents, o.currency
     ), queued AS (
       INSERT INTO pending_reservation_effects (order_id, effect) SELECT id, 'release_reservation' FROM expired
       ON CONFLICT (order_id) DO NOTHING
     )
     SELECT id, account_id AS "accountId", total_cents AS "totalCents", currency FROM expired`,
    [limit],
  );
  return result.rows;
}

/** Removes claims older than the cutoff whose order never appeared (the claiming process died). */
export async function deleteAbandonedIdempotencyClaims(db: Queryable, createdBefore: Date): Promise<number> {
  const result = await db.query(
    `DELETE FROM idempotency_keys k
      WHERE k.created_at < $1 AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = k.order_id)`,
    [createdBefore],
  );
  return result.rowCount ?? 0;
}
