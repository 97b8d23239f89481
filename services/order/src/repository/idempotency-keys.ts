/** Idempotency keys: one claim per (account, key), naming the order it placed. */
import type { Queryable } from "@polyscale/platform";
import type { IdempotencyClaim } from "../model.js";

/** Claims a key for a request; false when another request holds it already. */
export async function claimIdempotencyKey(db: Queryable, claim: IdempotencyClaim): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO idempotency_keys (account_id, key, request_fingerprint, order_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id, key) DO NOTHING`,
    [claim.accountId, claim.key, claim.requestFingerprint, claim.orderId],
  );
  return result.rowCount === 1;
}

export async function findIdempotencyClaim(
  db: Queryable,
  accountId: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  const result = await db.query<IdempotencyClaim>(
    `SELECT account_id AS "accountId", key, request_fingerprint AS "requestFingerprint", order_id AS "orderId"
       FROM idempotency_keys WHERE account_id = $1 AND key = $2`,
    [accountId, key],
  );
  return result.rows[0];
}

/**
 * Gives up a claim whose request failed, so a retry can try again. Only this request's claim goes, and never one
 * whose order was stored.
 */
export async function releaseIdempotencyClaim(db: Queryable, claim: IdempotencyClaim): Promise<void> {
  await db.query(
    `DELETE FROM idempotency_keys k WHERE k.account_id = $1 AND k.key = $2 AND k.order_id = $3
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = k.order_id)`,
    [claim.accountId, claim.key, claim.orderId],
  );
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
