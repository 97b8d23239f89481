import { isUniqueViolation, type Page, type Queryable } from "@polyscale/platform";
import type {
  Account,
  AccountCredentials,
  Address,
  AddressRecord,
  AccountTokenPurpose,
  NewAccount,
  ProfileUpdate,
  RefreshTokenRecord,
  RefreshTokenState,
  RevocationRecord,
  Role,
} from "./model.js";

/**
 * All SQL of the account service, as functions taking a Queryable so the service runs them inside its transactions.
 * They return data or outcomes (model.ts) and raise no business errors.
 */

/** Name of the unique constraint on accounts.email, to tell a duplicate email from other failures. */
const EMAIL_UNIQUE_CONSTRAINT = "accounts_email_unique";

// Aliased to the domain's camelCase names, so rows come back as Account and RefreshTokenRecord values.
const ACCOUNT_COLUMNS = `id, name, email, role, disabled_at IS NOT NULL AS disabled,
  email_verified_at IS NOT NULL AS "emailVerified", created_at AS "createdAt", updated_at AS "updatedAt"`;
const REFRESH_TOKEN_COLUMNS = `id, family_id AS "familyId", account_id AS "accountId", expires_at AS "expiresAt",
  used_at AS "usedAt", revoked_at AS "revokedAt"`;

type CredentialsRow = Account & { passwordHash: string | null; tokenGeneration: number };

function toCredentials({ passwordHash, tokenGeneration, ...account }: CredentialsRow): AccountCredentials {
  return { account, passwordHash, tokenGeneration };
}

/** Inserts an account unless its email is taken; undefined when it was. Safe when several processes race. */
export async function insertAccount(db: Queryable, account: NewAccount): Promise<Account | undefined> {
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
    `SELECT ${ACCOUNT_COLUMNS}, password_hash AS "passwordHash", token_generation AS "tokenGeneration"
     FROM accounts WHERE ${condition}`,
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

/** Newest first; with an email (canonical), only the account holding it. */
export async function listAccounts(db: Queryable, page: Page, email?: string): Promise<Account[]> {
  const result = await db.query<Account>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE ($3::text IS NULL OR email = $3)
      ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
    [page.take, page.skip, email ?? null],
  );
  return result.rows;
}

/**
 * Sets the given fields; undefined leaves a field as it is. Run it inside a transaction: a taken email is caught at
 * a savepoint, so the transaction stays usable and the outcome says so.
 */
export async function updateProfile(
  tx: Queryable,
  id: string,
  changes: { name?: string; email?: string },
): Promise<ProfileUpdate> {
  await tx.query("SAVEPOINT update_profile");
  try {
    const result = await tx.query<Account>(
      `UPDATE accounts SET name = COALESCE($2, name), email = COALESCE($3, email), updated_at = now(),
         email_verified_at = CASE WHEN $3 IS NULL OR $3 = email THEN email_verified_at END
       WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
      [id, changes.name ?? null, changes.email ?? null],
    );
    return result.rows[0] ? { kind: "updated", account: result.rows[0] } : { kind: "accountNotFound" };
  } catch (error) {
    if (!isUniqueViolation(error, EMAIL_UNIQUE_CONSTRAINT)) throw error;
    await tx.query("ROLLBACK TO SAVEPOINT update_profile");
    return { kind: "emailTaken" };
  }
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

/** Only for an account known to exist (callers hold its row lock). */
export async function setRole(db: Queryable, id: string, role: Role): Promise<Account> {
  const result = await db.query<Account>(
    `UPDATE accounts SET role = $2, updated_at = now() WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [id, role],
  );
  return result.rows[0]!;
}

/** Only for an account known to exist (callers hold its row lock). */
export async function setDisabled(db: Queryable, id: string, disabled: boolean): Promise<Account> {
  const result = await db.query<Account>(
    `UPDATE accounts SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END, updated_at = now()
     WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [id, disabled],
  );
  return result.rows[0]!;
}

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
): Promise<{ generation: number; sessionRevoked: boolean } | undefined> {
  const result = await db.query<{ generation: number; sessionRevoked: boolean }>(
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

export async function markEmailVerified(db: Queryable, accountId: string): Promise<Account> {
  const result = await db.query<Account>(
    `UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
     WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [accountId],
  );
  return result.rows[0]!;
}

/** Deletes emailed tokens that expired; returns how many. */
export async function deleteExpiredAccountTokens(db: Queryable): Promise<number> {
  const result = await db.query("DELETE FROM account_tokens WHERE expires_at < now()");
  return result.rowCount ?? 0;
}

const ADDRESS_COLUMNS = `id, account_id AS "accountId", name, company, line1, line2, city, region,
  postal_code AS "postalCode", country_code AS "countryCode", phone, default_shipping AS "defaultShipping",
  default_billing AS "defaultBilling", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The account's address book, oldest first. */
export async function listAddresses(db: Queryable, accountId: string): Promise<Address[]> {
  const result = await db.query<Address>(
    `SELECT ${ADDRESS_COLUMNS} FROM addresses WHERE account_id = $1 ORDER BY created_at, id`,
    [accountId],
  );
  return result.rows;
}

/** One address of any account; with `accountId`, only that account's. */
export async function findAddress(db: Queryable, id: string, accountId?: string): Promise<Address | undefined> {
  const result = await db.query<Address>(
    `SELECT ${ADDRESS_COLUMNS} FROM addresses WHERE id = $1 AND ($2::uuid IS NULL OR account_id = $2)`,
    [id, accountId ?? null],
  );
  return result.rows[0];
}

export async function countAddresses(db: Queryable, accountId: string): Promise<number> {
  const result = await db.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM addresses WHERE account_id = $1",
    [accountId],
  );
  return result.rows[0]!.count;
}

/**
 * Takes the default flags of the book's other addresses where `record` claims them, so the partial unique indexes
 * hold; the caller holds the account's row lock.
 */
async function yieldDefaults(db: Queryable, record: AddressRecord): Promise<void> {
  if (!record.defaultShipping && !record.defaultBilling) return;
  await db.query(
    `UPDATE addresses SET default_shipping = default_shipping AND NOT $3, default_billing = default_billing AND NOT $4,
       updated_at = now()
     WHERE account_id = $1 AND id <> $2 AND ((default_shipping AND $3) OR (default_billing AND $4))`,
    [record.accountId, record.id, record.defaultShipping, record.defaultBilling],
  );
}

function addressValues(record: AddressRecord): unknown[] {
  return [
    record.id,
    record.accountId,
    record.name,
    record.company,
    record.line1,
    record.line2,
    record.city,
    record.region,
    record.postalCode,
    record.countryCode,
    record.phone,
    record.defaultShipping,
    record.defaultBilling,
  ];
}

/** Inserts an address, taking its default flags from the book's other addresses; under the account's row lock. */
export async function insertAddress(db: Queryable, record: AddressRecord): Promise<Address> {
  await yieldDefaults(db, record);
  const result = await db.query<Address>(
    `INSERT INTO addresses (id, account_id, name, company, line1, line2, city, region, postal_code, country_code, phone,
       default_shipping, default_billing)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     RETURNING ${ADDRESS_COLUMNS}`,
    addressValues(record),
  );
  return result.rows[0]!;
}

/** Replaces an address's fields and flags (same account), taking its default flags from the others; under the lock. */
export async function updateAddress(db: Queryable, record: AddressRecord): Promise<Address> {
  await yieldDefaults(db, record);
  const result = await db.query<Address>(
    `UPDATE addresses SET name = $3, company = $4, line1 = $5, line2 = $6, city = $7, region = $8, postal_code = $9,
       country_code = $10, phone = $11, default_shipping = $12, default_billing = $13, updated_at = now()
     WHERE id = $1 AND account_id = $2
     RETURNING ${ADDRESS_COLUMNS}`,
    addressValues(record),
  );
  return result.rows[0]!;
}

/** Deletes one address of the account; false when it has none with this id. */
export async function deleteAddress(db: Queryable, accountId: string, id: string): Promise<boolean> {
  const result = await db.query("DELETE FROM addresses WHERE id = $1 AND account_id = $2", [id, accountId]);
  return (result.rowCount ?? 0) > 0;
}
