/** The hold limits (limits.ts): what an account holds unpaid, read under its holds lock. */
import type { Queryable } from "@polyscale/platform";
import type { UnpaidHolds } from "../model.js";

/**
 * What the account holds unpaid, for the given products. Read after the account's holds lock (sql/200), so it waits
 * for an order of the account being stored at that moment; outside a transaction the lock ends with the statement.
 */
export async function findUnpaidHolds(
  db: Queryable,
  accountId: string,
  productIds: readonly string[],
): Promise<UnpaidHolds> {
  const result = await db.query<{ unpaidOrders: number; units: Record<string, number> }>(
    `SELECT unpaid_orders AS "unpaidOrders", units FROM locked_unpaid_holds($1, $2::uuid[])`,
    [accountId, productIds],
  );
  const row = result.rows[0]!;
  return { unpaidOrders: row.unpaidOrders, unitsByProduct: new Map(Object.entries(row.units)) };
}
