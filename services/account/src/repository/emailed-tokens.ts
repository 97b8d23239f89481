/** Emailed tokens (account_tokens): single-use links for a purpose (email verification, password reset). */
import type { Queryable } from "@polyscale/platform";
import type { AccountTokenPurpose } from "../model.js";

/** Stores a new emailed token, voiding the account's earlier unused ones of the same purpose. */
export async function replaceAccountToken(
  db: Queryable,
  token: { tokenHash: Buffer; accountId: string; purpose: AccountTokenPurpose; email: string; expiresAt: Date },
): Promise<void> {
  await db.query(
    "UPDATE account_tokens SET used_at = now() WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL",
    [token.accountId, token.purpose],
  );
  await db.query(
    `INSERT INTO account_tokens (token_hash, account_id, purpose, email, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [token.tokenHash, token.accountId, token.purpose, token.email, token.expiresAt],
  );
}

/** The account of a live (unused, unexpired) token whose address is still the account's; undefined otherwise. */
export async function findLiveAccountToken(
  db: Queryable,
  tokenHash: Buffer,
  purpose: AccountTokenPurpose,
): Promise<{ accountId: string } | undefined> {
  const result = await db.query<{ accountId: string }>(
    `SELECT t.account_id AS "accountId" FROM account_tokens t JOIN accounts a ON a.id = t.account_id
     WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > now() AND t.email = a.email`,
    [tokenHash, purpose],
  );
  return result.rows[0];
}

/** Uses up a live token, in one conditional statement so that of two concurrent uses only one gets it. */
export async function useAccountToken(
  db: Queryable,
  tokenHash: Buffer,
  purpose: AccountTokenPurpose,
): Promise<{ accountId: string } | undefined> {
  const result = await db.query<{ accountId: string }>(
    `UPDATE account_tokens t SET used_at = now() FROM accounts a
     WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > now()
       AND a.id = t.account_id AND t.email = a.email
     RETURNING t.account_id AS "accountId"`,
    [tokenHash, purpose],
  );
  return result.rows[0];
}
/** Deletes emailed tokens that expired; returns how many. */
export async function deleteExpiredAccountTokens(db: Queryable): Promise<number> {
  const result = await db.query("DELETE FROM account_tokens WHERE expires_at < now()");
  return result.rowCount ?? 0;
}
