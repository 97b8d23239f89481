/** The address book: an account's addresses, with at most one default for shipping and one for billing. */
import type { Queryable } from "@polyscale/platform";
import type { Address, AddressRecord } from "../model.js";

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
