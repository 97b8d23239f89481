/**
 * The accounts table, for profiles.ts: accounts, their credentials, profile, password, role, status and email check;
 * and the account's row lock and credentials, which sessions.ts, emailed-tokens.ts and addresses.ts take too.
 */
import { isUniqueViolation, type Page, type Queryable } from "@polyscale/platform";
import type { Account, AccountChanges, AccountCredentials, NewAccount, ProfileUpdate, Role } from "../model.js";

/** Name of the unique constraint on accounts.email, to tell a duplicate email from other failures. */
const EMAIL_UNIQUE_CONSTRAINT = "accounts_email_unique";

// Aliased to the domain's camelCase names, so rows come back as Account values.
const ACCOUNT_COLUMNS = `id, name, email, role, disabled_at IS NOT NULL AS disabled,
  email_verified_at IS NOT NULL AS "emailVerified", created_at AS "createdAt", updated_at AS "updatedAt"`;

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
export async function updateProfile(tx: Queryable, id: string, changes: AccountChanges): Promise<ProfileUpdate> {
  await tx.query("SAVEPOINT update_profile");
  try {
    // The row is updated only when a value differs, so a call that changes nothing publishes nothing, however
    // calls race: the WHERE is evaluated on the row's latest version.
    const result = await tx.query<Account>(
      `UPDATE accounts SET name = COALESCE($2, name), email = COALESCE($3, email), updated_at = now(),
         email_verified_at = CASE WHEN $3 IS NULL OR $3 = email THEN email_verified_at END
       WHERE id = $1 AND (name IS DISTINCT FROM COALESCE($2, name) OR email IS DISTINCT FROM COALESCE($3, email))
       RETURNING ${ACCOUNT_COLUMNS}`,
      [id, changes.name ?? null, changes.email ?? null],
    );
    if (result.rows[0]) return { kind: "updated", account: result.rows[0] };
    const unchanged = await findAccount(tx, id);
    return unchanged ? { kind: "unchanged", account: unchanged } : { kind: "accountNotFound" };
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
/** The account after the change; undefined when it had the role already (nothing written). */
export async function setRole(db: Queryable, id: string, role: Role): Promise<Account | undefined> {
  const result = await db.query<Account>(
    `UPDATE accounts SET role = $2, updated_at = now() WHERE id = $1 AND role IS DISTINCT FROM $2
     RETURNING ${ACCOUNT_COLUMNS}`,
    [id, role],
  );
  return result.rows[0];
}

/** The account after the change; undefined when it was disabled (or enabled) already (nothing written). */
export async function setDisabled(db: Queryable, id: string, disabled: boolean): Promise<Account | undefined> {
  const result = await db.query<Account>(
    `UPDATE accounts SET disabled_at = CASE WHEN $2 THEN now() END, updated_at = now()
     WHERE id = $1 AND (disabled_at IS NOT NULL) IS DISTINCT FROM $2 RETURNING ${ACCOUNT_COLUMNS}`,
    [id, disabled],
  );
  return result.rows[0];
}
/** Marks the account's email as verified (kept from the first time); only for an account known to exist. */
export async function markEmailVerified(db: Queryable, accountId: string): Promise<Account> {
  const result = await db.query<Account>(
    `UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
     WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [accountId],
  );
  return result.rows[0]!;
}
