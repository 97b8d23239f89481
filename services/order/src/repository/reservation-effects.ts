/** The durable queue of effects (release, commit) on stock reservations in the product service. */
import type { Queryable } from "@polyscale/platform";
import type { PendingReservationEffect, QueuedReservationEffect, ReservationEffect } from "../model.js";

/** Queues an effect on an order's reservation; an order already holding one keeps it (it has one outcome). */
export async function enqueueReservationEffect(
  db: Queryable,
  orderId: string,
  effect: ReservationEffect,
): Promise<void> {
  await db.query(
    `INSERT INTO pending_reservation_effects (order_id, effect) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING`,
    [orderId, effect],
  );
}

/** Queues many effects in one statement; returns how many were new. */
export async function enqueueReservationEffects(
  db: Queryable,
  effects: readonly QueuedReservationEffect[],
): Promise<number> {
  if (effects.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO pending_reservation_effects (order_id, effect)
     SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT (order_id) DO NOTHING`,
    [effects.map((item) => item.orderId), effects.map((item) => item.effect)],
  );
  return result.rowCount ?? 0;
}

/**
 * Claims up to `limit` effects that are due: each gets a lease (it is not due again for leaseSeconds) and one more
 * attempt, in one statement that skips rows another replica is claiming, so replicas share the work without
 * overlapping.
 */
export async function claimDueReservationEffects(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
): Promise<PendingReservationEffect[]> {
  const result = await db.query<PendingReservationEffect>(
    `UPDATE pending_reservation_effects p
        SET attempts = p.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       FROM (SELECT order_id FROM pending_reservation_effects WHERE next_attempt_at <= now()
              ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
      WHERE p.order_id = due.order_id
      RETURNING p.order_id AS "orderId", p.effect, p.attempts`,
    [limit, leaseSeconds],
  );
  return result.rows;
}

/** The effect is done (or can never be done); it leaves the queue. */
export async function deleteReservationEffect(db: Queryable, orderId: string): Promise<void> {
  await db.query("DELETE FROM pending_reservation_effects WHERE order_id = $1", [orderId]);
}

/** The effect failed; try again after delaySeconds. The error is a safe description (type and message). */
export async function postponeReservationEffect(
  db: Queryable,
  orderId: string,
  delaySeconds: number,
  error: string,
): Promise<void> {
  await db.query(
    `UPDATE pending_reservation_effects SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3
      WHERE order_id = $1`,
    [orderId, delaySeconds, error],
  );
}

export async function countPendingReservationEffects(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pending_reservation_effects");
  return result.rows[0]!.n;
}
