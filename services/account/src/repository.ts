import type { Page, Queryable } from "@polyscale/platform";

export type Role = "customer" | "admin";

export interface Account {
  id: string;
  name: string;
  /** Lowercase; null for an account created without credentials. */
  email: string | null;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

/** An account with its password hash, for the few operations that check credentials. */
export interface AccountCredentials {
  account: Account;
  /** Null for an account created without credentials. */
  passwordHash: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  accountId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** Name of the unique constraint on accounts.email, to tell a duplicate email from other failures. */
export const EMAIL_UNIQUE_CONSTRAINT = "accounts_email_unique";

// Aliased to the domain's camelCase names, so rows come back as Account and RefreshTokenRecord values.
const ACCOUNT_COLUMNS = `id, name, email, role, created_at AS "createdAt", updated_at AS "updatedAt"`;
const REFRESH_TOKEN_COLUMNS = `id, family_id AS "familyId", account_id AS "accountId", expires_at AS "expiresAt",
  used_at AS "usedAt", revoked_at AS "revokedAt"`;

type CredentialsRow = Account & { passwordHash: string | null };

function toCredentials({ passwordHash, ...account }: CredentialsRow): AccountCredentials {
  return { account, passwordHash };
}

export interface NewAccount {
  id: string;
  name: string;
  email: string | null;
  passwordHash: string | null;
  role: Role;
}

/** Inserts an account; a taken email fails with a unique violation on EMAIL_UNIQUE_CONSTRAINT. */
export async function insertAccount(db: Queryable, account: NewAccount): Promise<Account> {
  const result = await db.query<Account>(
    `INSERT INTO accounts (id, name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${ACCOUNT_COLUMNS}`,
    [account.id, account.name, account.email, account.passwordHash, account.role],
  );
  return result.rows[0]!;
}

/** Inserts an account unless its email is taken; undefined when it was. Safe when several processes race. */
export async function insertAccountUnlessEmailTaken(db: Queryable, account: NewAccount): Promise<Account | undefined> {
  const result = await db.query<Account>(
    `INSERT INTO accounts (id, name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ON CONSTRAINT ${EMAIL_UNIQUE_CONSTRAINT} DO NOTHING
     RETURNING ${ACCOUNT_COLUMNS}`,
    [account.id, account.name, account.email, account.passwordHash, account.role],
  );
  return result.rows[0];
}

export async function findAccount(db: Queryable, id: string): Promise<Account | undefined> {
  const result = await db.query<Account>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
  return result.rows[0];
}

export async function findAccounts(db: Queryable, ids: string[]): Promise<Account[]> {
  if (ids.length === 0) return [];
  const result = await db.query<Account>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ANY($1::uuid[])`, [ids]);
  return result.rows;
}

/** condition is one of the fixed clauses below, never built from input; the value is the only parameter. */
async function findCredentialsWhere(
  db: Queryable,
  condition: string,
  value: string,
): Promise<AccountCredentials | undefined> {
  const result = await db.query<CredentialsRow>(
    `SELECT ${ACCOUNT_COLUMNS}, password_hash AS "passwordHash" FROM accounts WHERE ${condition}`,
    [value],
  );
  return result.rows[0] && toCredentials(result.rows[0]);
}

export function findCredentialsByEmail(db: Queryable, email: string): Promise<AccountCredentials | undefined> {
  return findCredentialsWhere(db, "email = $1", email);
}

export function findCredentials(db: Queryable, id: string): Promise<AccountCredentials | undefined> {
  return findCredentialsWhere(db, "id = $1", id);
}

/**
 * Reads an account and locks its row until the transaction ends. Every change to an account's sessions takes this
 * lock first, so a rotation, a revocation and a password change of one account never interleave.
 */
export function lockAccount(tx: Queryable, id: string): Promise<AccountCredentials | undefined> {
  return findCredentialsWhere(tx, "id = $1 FOR UPDATE", id);
}

export async function listAccounts(db: Queryable, page: Page): Promise<Account[]> {
  const result = await db.query<Account>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
    [page.take, page.skip],
  );
  return result.rows;
}

/** Sets the given fields; undefined leaves a field as it is. Undefined when there is no such account. */
export async function updateProfile(
  db: Queryable,
  id: string,
  changes: { name?: string; email?: string },
): Promise<Account | undefined> {
  const result = await db.query<Account>(
    `UPDATE accounts SET name = COALESCE($2, name), email = COALESCE($3, email), updated_at = now()
     WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [id, changes.name ?? null, changes.email ?? null],
  );
  return result.rows[0];
}

/** Only for an account known to exist (callers hold its row lock). */
export async function setPasswordHash(db: Queryable, id: string, passwordHash: string): Promise<Account> {
  const result = await db.query<Account>(
    `UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [id, passwordHash],
  );
  return result.rows[0]!;
}

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

/** A refresh token with what the grace window needs to know, judged by the database's clock. */
export interface RefreshTokenState extends RefreshTokenRecord {
  /** Used, and less than the grace window ago. */
  usedWithinGrace: boolean;
  expired: boolean;
}

export async function findRefreshTokenState(
  db: Queryable,
  tokenHash: Buffer,
  graceSeconds: number,
): Promise<RefreshTokenState | undefined> {
  const result = await db.query<RefreshTokenState>(
    `SELECT ${REFRESH_TOKEN_COLUMNS},
       coalesce(used_at > now() - make_interval(secs => $2), false) AS "usedWithinGrace",
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
