/**
 * Placing orders (placement.ts): the idempotency claim of a request, one per (account, key), naming the order it
 * places, and storing the order with its lines and its order.placed event within the account's holds.
 */
import { outboxRows, type Queryable } from "@polyscale/platform";
import { orderPlaced } from "../events.js";
import type { IdempotencyClaim, NewOrder, OrderStorage } from "../model.js";
import { ORDER_COLUMNS, type OrderRow } from "./rows.js";

/** Claims a key for a request; false when another request holds it already. */
export async function claimIdempotencyKey(db: Queryable, claim: IdempotencyClaim): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO idempotency_keys (account_id, key, request_fingerprint, order_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id, key) DO NOTHING`,
    [claim.accountId, claim.key, claim.requestFingerprint, claim.orderId],
  );
  return result.rowCount === 1;
}

export async function findIdempotencyClaim(
  db: Queryable,
  accountId: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  const result = await db.query<IdempotencyClaim>(
    `SELECT account_id AS "accountId", key, request_fingerprint AS "requestFingerprint", order_id AS "orderId"
       FROM idempotency_keys WHERE account_id = $1 AND key = $2`,
    [accountId, key],
  );
  return result.rows[0];
}

/**
 * Gives up a claim whose request failed, so a retry can try again. Only this request's claim goes, and never one
 * whose order was stored.
 */
export async function releaseIdempotencyClaim(db: Queryable, claim: IdempotencyClaim): Promise<void> {
  await db.query(
    `DELETE FROM idempotency_keys k WHERE k.account_id = $1 AND k.key = $2 AND k.order_id = $3
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = k.order_id)`,
    [claim.accountId, claim.key, claim.orderId],
  );
}

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
