/**
 * Access-token revocations: an account's token generation (raised to revoke every access token issued before) and
 * revoked sessions, recorded for the gateways' revocation feed.
 */
import type { Queryable } from "@polyscale/platform";
import type { RevocationRecord, SessionState } from "../model.js";

const REVOCATION_COLUMNS = `sequence, account_id AS "accountId", session_id AS "sessionId", generation,
  recorded_at AS "recordedAt"`;

/**
 * Raises the account's token generation and records it as a revocation of every access token issued before; returns
 * the new generation. Callers hold the account's row lock.
 */
export async function raiseTokenGeneration(db: Queryable, accountId: string): Promise<number> {
  const result = await db.query<{ generation: number }>(
    `WITH raised AS (
       UPDATE accounts SET token_generation = token_generation + 1 WHERE id = $1 RETURNING id, token_generation
     )
     INSERT INTO access_revocations (account_id, generation) SELECT id, token_generation FROM raised
     RETURNING generation`,
    [accountId],
  );
  return result.rows[0]!.generation;
}

/** Records that every access token of one session (refresh-token family) is revoked. */
export async function recordSessionRevocation(db: Queryable, accountId: string, sessionId: string): Promise<void> {
  await db.query(
    `INSERT INTO access_revocations (account_id, session_id, generation)
     SELECT id, $2, token_generation FROM accounts WHERE id = $1`,
    [accountId, sessionId],
  );
}

/** Revocations recorded less than `seconds` ago by the database's clock, oldest first. */
export async function recentRevocations(db: Queryable, seconds: number): Promise<RevocationRecord[]> {
  const result = await db.query<RevocationRecord>(
    `SELECT ${REVOCATION_COLUMNS} FROM access_revocations
     WHERE recorded_at > now() - make_interval(secs => $1) ORDER BY sequence`,
    [seconds],
  );
  return result.rows;
}

/** The account's token generation (undefined for no such account), and whether the session was revoked. */
export async function sessionState(
  db: Queryable,
  accountId: string,
  sessionId: string | null,
): Promise<SessionState | undefined> {
  const result = await db.query<SessionState>(
    `SELECT token_generation AS generation,
       EXISTS (SELECT 1 FROM access_revocations WHERE session_id = $2) AS "sessionRevoked"
     FROM accounts WHERE id = $1`,
    [accountId, sessionId],
  );
  return result.rows[0];
}

/** Deletes revocations recorded more than `seconds` ago; returns how many. */
export async function deleteRevocationsOlderThan(db: Queryable, seconds: number): Promise<number> {
  const result = await db.query(
    "DELETE FROM access_revocations WHERE recorded_at < now() - make_interval(secs => $1)",
    [seconds],
  );
  return result.rowCount ?? 0;
}
