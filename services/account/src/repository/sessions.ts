/**
 * For sessions.ts, refresh tokens: one row per issued token, in families (sessions), used once, revoked by family or
 * account.
 */
import type { Queryable } from "@polyscale/platform";
import type { RefreshTokenRecord, RefreshTokenState } from "../model.js";

// Aliased to the domain's camelCase names, so rows come back as RefreshTokenRecord values.
const REFRESH_TOKEN_COLUMNS = `id, family_id AS "familyId", account_id AS "accountId", expires_at AS "expiresAt",
  used_at AS "usedAt", revoked_at AS "revokedAt"`;
export async function insertRefreshToken(
  db: Queryable,
  token: { id: string; familyId: string; accountId: string; tokenHash: Buffer; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO refresh_tokens (id, family_id, account_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [token.id, token.familyId, token.accountId, token.tokenHash, token.expiresAt],
  );
}

export async function findRefreshToken(db: Queryable, tokenHash: Buffer): Promise<RefreshTokenRecord | undefined> {
  const result = await db.query<RefreshTokenRecord>(
    `SELECT ${REFRESH_TOKEN_COLUMNS} FROM refresh_tokens WHERE token_hash = $1`,
    [tokenHash],
  );
  return result.rows[0];
}

export async function findRefreshTokenState(
  db: Queryable,
  tokenHash: Buffer,
  graceSeconds: number,
): Promise<RefreshTokenState | undefined> {
  const result = await db.query<RefreshTokenState>(
    `SELECT ${REFRESH_TOKEN_COLUMNS},
       -- clock_timestamp(), not now(): now() is when this transaction began, which can be before a concurrent use
       -- that committed while this one waited for the account lock, and would count that use as within any window.
       coalesce(used_at > clock_timestamp() - make_interval(secs => $2), false) AS "usedWithinGrace",
       expires_at <= now() AS expired
     FROM refresh_tokens WHERE token_hash = $1`,
    [tokenHash, graceSeconds],
  );
  return result.rows[0];
}

/**
 * Marks a live token used, in one conditional statement so that of two concurrent uses only one gets the row back.
 * Undefined when the token is unknown, used, revoked or expired.
 */
export async function useRefreshToken(db: Queryable, tokenHash: Buffer): Promise<RefreshTokenRecord | undefined> {
  const result = await db.query<RefreshTokenRecord>(
    `UPDATE refresh_tokens SET used_at = now()
     WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
     RETURNING ${REFRESH_TOKEN_COLUMNS}`,
    [tokenHash],
  );
  return result.rows[0];
}

export async function revokeRefreshTokenFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", [
    familyId,
  ]);
}

export async function revokeRefreshTokensOfAccount(db: Queryable, accountId: string): Promise<void> {
  await db.query("UPDATE refresh_tokens SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL", [
    accountId,
  ]);
}

/** Deletes up to `limit` refresh tokens that expired before `before`; returns how many. */
export async function deleteExpiredRefreshTokens(db: Queryable, before: Date, limit: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM refresh_tokens WHERE expires_at < $1 LIMIT $2)`,
    [before, limit],
  );
  return result.rowCount ?? 0;
}
