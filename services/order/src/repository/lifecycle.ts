/** Reading orders and moving their status (lifecycle.ts; payments.ts moves it too, with the same statement). */
import type { Page, Queryable } from "@polyscale/platform";
import type { Order, OrderFilter, OrderPage, OrderStatus } from "../model.js";
import { ORDER_COLUMNS, withDetails, type OrderRow } from "./rows.js";

export async function findOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const result = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
  return (await withDetails(db, result.rows))[0];
}

/**
 * A page of the orders that match, newest first, and their number over all pages. An account, one status or a time
 * range alone is a range of an index in the page's order (orders_account_created_idx, orders_status_created_idx,
 * orders_created_idx), so a page reads only its rows; the count reads the index entries that match, at most
 * countLimit + 1 of them: beyond countLimit matches it is countLimit, marked inexact.
 */
export async function listOrders(
  db: Queryable,
  filter: OrderFilter,
  page: Page,
  countLimit: number,
): Promise<OrderPage> {
  const params: unknown[] = [];
  const conditions: string[] = [];
  const where = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (filter.accountId !== undefined) where((p) => `account_id = ${p}`, filter.accountId);
  // One status as an equality: the index then yields its rows in order (with ANY it would have to sort them).
  if (filter.statuses.length === 1) where((p) => `status = ${p}`, filter.statuses[0]);
  if (filter.statuses.length > 1) where((p) => `status = ANY(${p}::text[])`, filter.statuses);
  if (filter.createdFrom) where((p) => `created_at >= ${p}`, filter.createdFrom);
  if (filter.createdTo) where((p) => `created_at < ${p}`, filter.createdTo);
  const matching = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  const count = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT FROM orders ${matching} LIMIT $${params.length + 1}) counted`,
    [...params, countLimit + 1],
  );
  const rows = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders ${matching}
      ORDER BY created_at DESC, id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
    [...params, page.skip, page.take],
  );
  const counted = count.rows[0]!.n;
  return {
    orders: await withDetails(db, rows.rows),
    totalCount: Math.min(counted, countLimit),
    totalCountIsExact: counted <= countLimit,
  };
}

/** Every order of the given accounts, newest first. */
export async function listOrdersOfAccounts(db: Queryable, accountIds: readonly string[]): Promise<Order[]> {
  if (accountIds.length === 0) return [];
  const result = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE account_id = ANY($1::uuid[]) ORDER BY created_at DESC, id DESC`,
    [accountIds],
  );
  return withDetails(db, result.rows);
}

/**
 * The conditional UPDATE behind every status transition: it only matches while the order is still in `from`, so
 * of two concurrent transitions out of one status exactly one returns true.
 */
export async function updateOrderStatus(
  db: Queryable,
  id: string,
  from: OrderStatus,
  to: OrderStatus,
): Promise<boolean> {
  const result = await db.query("UPDATE orders SET status = $3, updated_at = now() WHERE id = $1 AND status = $2", [
    id,
    from,
    to,
  ]);
  return result.rowCount === 1;
}
