/** Orders, their lines and their order.placed events; listing, status changes and expiry. */
import { outboxRows, type Page, type PostalAddress, type Queryable } from "@polyscale/platform";
import { orderPlaced } from "../events.js";
import type {
  NewOrder,
  Order,
  OrderFilter,
  OrderLine,
  OrderPage,
  OrderStatus,
  OrderStorage,
  Payment,
} from "../model.js";
import { PAYMENT_COLUMNS } from "./payments.js";

interface OrderRow {
  id: string;
  accountId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
  paymentDueAt: Date | null;
  shippingAddress: PostalAddress | null;
  billingAddress: PostalAddress | null;
}

const ORDER_COLUMNS = `id, account_id AS "accountId", status, total_cents AS "totalCents", currency,
  created_at AS "createdAt", updated_at AS "updatedAt", payment_due_at AS "paymentDueAt",
  shipping_address AS "shippingAddress", billing_address AS "billingAddress"`;

// An order.placed envelope is built before its INSERT, which alone knows the order's creation time: its time and the
// order's createdAt carry this stand-in, and the statement puts the time in their place, formatted as Date.toJSON does
// (milliseconds, UTC). Matched with their keys: a JSON string value cannot contain the unescaped quotes.
const CREATED_AT_STAND_IN = new Date(0);
const STAND_IN_JSON = JSON.stringify(CREATED_AT_STAND_IN);

/**
 * Stores an order, its lines and its order.placed event in one statement (atomic without a transaction of its own, so
 * outside one it costs one round trip), if the account stays within `limits`: fewer than maxUnpaidOrders unpaid orders
 * before this one, and at most maxHeldUnitsPerProduct units of each product in them with this order's lines (summed
 * over the product's variants, in both). The
 * limits are read under the account's holds lock (locked_unpaid_holds, sql/200), held until the transaction ends, so
 * two concurrent orders of one account cannot both pass a limit only one of them fits in. `overHolds` (nothing
 * written) carries the holds that refused it. The event's time is the order's creation time.
 */
export async function insertOrderWithinHolds(
  db: Queryable,
  order: NewOrder,
  limits: { maxUnpaidOrders: number; maxHeldUnitsPerProduct: number },
): Promise<OrderStorage> {
  const productIds = order.lines.map((line) => line.productId);
  const quantities = order.lines.map((line) => line.quantity);
  // outboxRows wakes the relays through afterCommit; outside a transaction this statement is the commit, so the
  // wake-up is passed on only once it has run, and only when it stored the order (and so its event).
  const wakeUps: Array<() => void> = [];
  const events = outboxRows(
    { query: db.query.bind(db), afterCommit: (callback) => void wakeUps.push(callback) },
    [
      orderPlaced({
        ...order,
        lines: [...order.lines],
        payments: [],
        createdAt: CREATED_AT_STAND_IN,
        updatedAt: CREATED_AT_STAND_IN,
        paymentDueAt: null,
      }),
    ],
    CREATED_AT_STAND_IN,
  );
  const result = await db.query<{ unpaidOrders: number; units: Record<string, number> } & Partial<OrderRow>>(
    `WITH holds AS MATERIALIZED (
       SELECT * FROM locked_unpaid_holds($2::text, $6::uuid[])
     ), allowed AS (
       SELECT FROM holds
        WHERE unpaid_orders < $13
          AND NOT EXISTS (
            SELECT FROM unnest($6::uuid[], $10::int[]) AS line (product_id, quantity)
             GROUP BY line.product_id
            HAVING coalesce((holds.units ->> line.product_id::text)::bigint, 0) + sum(line.quantity) > $14)
     ), inserted AS (
       INSERT INTO orders (id, account_id, status, total_cents, currency, payment_due_at, shipping_address,
                           billing_address)
       SELECT $1::uuid, $2::uuid, $3::text, $4::bigint, $5::text, now() + make_interval(secs => $12), $22::jsonb,
              $23::jsonb
         FROM allowed
       RETURNING ${ORDER_COLUMNS}
     ), lines AS (
       INSERT INTO order_lines (order_id, line_number, product_id, variant_id, sku, options, name, description,
                                unit_price_cents, quantity, line_total_cents)
       SELECT $1, line_number, product_id, variant_id, sku, options::jsonb, name, description, unit_price_cents,
              quantity, line_total_cents
         FROM unnest($6::uuid[], $24::uuid[], $25::text[], $26::text[], $7::text[], $8::text[], $9::bigint[],
                     $10::int[], $11::bigint[])
              WITH ORDINALITY AS line (product_id, variant_id, sku, options, name, description, unit_price_cents,
                                       quantity, line_total_cents, line_number)
        WHERE EXISTS (SELECT FROM allowed)
     ), outbox AS (
       INSERT INTO event_outbox (event_id, subject, aggregate_id, body, traceparent, tracestate)
       SELECT $15::uuid, $16::text, $17::text,
              replace(replace($18::text, '"time":' || $19::text, '"time":' || stamp),
                      '"createdAt":' || $19::text, '"createdAt":' || stamp),
              $20::text, $21::text
         FROM inserted, LATERAL (SELECT to_json(to_char(inserted."createdAt" AT TIME ZONE 'UTC',
                                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text AS stamp) AS formatted
     )
     SELECT holds.unpaid_orders AS "unpaidOrders", holds.units, inserted.* FROM holds LEFT JOIN inserted ON true`,
    [
      order.id,
      order.accountId,
      order.status,
      order.totalCents,
      order.currency,
      productIds,
      order.lines.map((line) => line.name),
      order.lines.map((line) => line.description),
      order.lines.map((line) => line.unitPriceCents),
      quantities,
      order.lines.map((line) => line.lineTotalCents),
      order.paymentWindowSeconds,
      limits.maxUnpaidOrders,
      limits.maxHeldUnitsPerProduct,
      events.eventIds[0],
      events.subjects[0],
      events.aggregateIds[0],
      events.bodies[0],
      STAND_IN_JSON,
      events.traceparent,
      events.tracestate,
      order.shippingAddress && JSON.stringify(order.shippingAddress),
      order.billingAddress && JSON.stringify(order.billingAddress),
      order.lines.map((line) => line.variantId),
      order.lines.map((line) => line.sku),
      order.lines.map((line) => JSON.stringify(line.options)),
    ],
  );
  const { unpaidOrders, units, ...stored } = result.rows[0]!;
  if (stored.id === undefined || stored.id === null) {
    // Refused: no event was written, so the relays have nothing to look for.
    return { kind: "overHolds", holds: { unpaidOrders, unitsByProduct: new Map(Object.entries(units)) } };
  }
  for (const wakeUp of wakeUps) db.afterCommit(wakeUp);
  return { kind: "stored", order: { ...(stored as OrderRow), lines: [...order.lines], payments: [] } };
}

/** Adds the lines and payments to order rows: one query each, whatever the number of orders. */
async function withDetails(db: Queryable, rows: readonly OrderRow[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  // One after the other: a transaction is a single connection, which runs one query at a time anyway.
  const lines = await db.query<OrderLine & { orderId: string }>(
    `SELECT order_id AS "orderId", product_id AS "productId", variant_id AS "variantId", sku, options, name,
            description, unit_price_cents AS "unitPriceCents", quantity, line_total_cents AS "lineTotalCents"
       FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_number`,
    [ids],
  );
  const payments = await db.query<Payment>(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [ids],
  );
  const linesOf = groupBy(lines.rows, (line) => line.orderId);
  const paymentsOf = groupBy(payments.rows, (payment) => payment.orderId);
  return rows.map((row) => ({
    ...row,
    // The grouping key stays out of the domain's line.
    lines: (linesOf.get(row.id) ?? []).map(({ orderId, ...line }): OrderLine => line),
    payments: paymentsOf.get(row.id) ?? [],
  }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

export async function findOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const result = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
  return (await withDetails(db, result.rows))[0];
}

/** Locks an order row until the transaction ends, so payments on one order are recorded one at a time. */
export async function lockOrder(tx: Queryable, id: string): Promise<Order | undefined> {
  const result = await tx.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`, [id]);
  return (await withDetails(tx, result.rows))[0];
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

/** The status of each order that exists among the ids. */
export async function findOrderStatuses(db: Queryable, ids: readonly string[]): Promise<Map<string, OrderStatus>> {
  if (ids.length === 0) return new Map();
  const result = await db.query<{ id: string; status: OrderStatus }>(
    "SELECT id, status FROM orders WHERE id = ANY($1::uuid[])",
    [ids],
  );
  return new Map(result.rows.map((row) => [row.id, row.status]));
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

/**
 * Moves up to `limit` unpaid orders whose payment window has passed to expired and queues the release of their stock,
 * in one statement. Rows another transaction holds (a sweep in another replica, a payment being recorded) are
 * skipped, and the UPDATE keeps the status condition, so each order expires exactly once however many replicas sweep.
 * Returns the orders expired.
 */
export async function expireDueOrders(
  db: Queryable,
  limit: number,
): Promise<Array<Pick<Order, "id" | "accountId" | "totalCents" | "currency">>> {
  const result = await db.query<Pick<Order, "id" | "accountId" | "totalCents" | "currency">>(
    `WITH due AS (
       SELECT id FROM orders WHERE status = 'pending_payment' AND payment_due_at <= now()
        ORDER BY payment_due_at LIMIT $1 FOR UPDATE SKIP LOCKED
     ), expired AS (
       UPDATE orders o SET status = 'expired', updated_at = now()
         FROM due WHERE o.id = due.id AND o.status = 'pending_payment'
       RETURNING o.id, o.account_id, o.total_cents, o.currency
     ), queued AS (
       INSERT INTO pending_reservation_effects (order_id, effect) SELECT id, 'release_reservation' FROM expired
       ON CONFLICT (order_id) DO NOTHING
     )
     SELECT id, account_id AS "accountId", total_cents AS "totalCents", currency FROM expired`,
    [limit],
  );
  return result.rows;
}
