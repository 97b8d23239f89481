/**
 * The one statement every stock change runs (adjustStock, reserveStock, returnStock): it locks the products in id order,
 * then their variants, so concurrent changes do not deadlock, and writes their product.stock_changed events in the
 * statement that changes the stock. A reservation is that one statement alone, committing by itself, so a hot row stays
 * locked only for it and the server-side commit; adjustments and releases are their transaction's last statement
 * (changeStock). inventory.ts's alone (its adjustments, reservations and releases), in a file of its own for its size, and
 * not part of the repository's interface (not in the barrel).
 */
import { outboxRows, type Queryable } from "@polyscale/platform";
import { stockChanged } from "../events.js";

// A stock_changed body is built before its UPDATE, which alone knows the new stocks and the SKU: it carries these
// stand-ins (stock is never negative, and no other field of the envelope has these names), which the statement replaces.
const STOCK_STAND_IN = -1;
// A SKU is upper-case letters, digits and . _ -: never this.
const SKU_STAND_IN = "?sku?";
// The envelope's time is when the statement writes the event, under the row locks, just before the commit (the
// change's moment, and what event lag is measured from), not when the statement was sent, before any pool wait.
const TIME_STAND_IN = new Date(0);

type StockChange = { productId: string; variantId: string; delta: number };
type StockChangeCause = { cause: "adjusted" | "reserved" | "released"; orderId?: string };

// The opening of a stock statement, over the parameters stockStatement gives ($1–$13): `locked`, the changes'
// products locked in id order (a locking read returns each row as last committed, after waiting for its lock, so an
// archive committed meanwhile shows), and `change`, each change with its event.
export const LOCKED_AND_CHANGE = `locked AS MATERIALIZED (
       SELECT id, archived_at FROM products WHERE id = ANY($12::uuid[]) ORDER BY id FOR NO KEY UPDATE
     ), change AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[])
         AS change (product_id, variant_id, delta, event_id, subject, body)
     )`;

// The close of a stock statement, after its `updated` (the variants changed, with their change's columns): adds the
// deltas to their products' stock (but an archived variant's, whose units the product does not count, sql/250) and
// writes each variant's event with the stocks, SKU and time in place of the
// stand-ins. The events take their outbox ids after the row locks (see outboxRows), so per product they follow commit
// order.
export const TOTALS_AND_EVENTS = `totals AS (
       UPDATE products p SET stock = p.stock + moved.delta, updated_at = now()
         FROM (SELECT product_id, coalesce(sum(delta) FILTER (WHERE archived_at IS NULL), 0) AS delta
                 FROM updated GROUP BY product_id) moved
        WHERE p.id = moved.product_id
       RETURNING p.id, p.stock
     ), outbox AS (
       INSERT INTO event_outbox (event_id, subject, aggregate_id, body, traceparent, tracestate)
       SELECT u.event_id, u.subject, u.product_id::text,
              replace(replace(replace(replace(u.body, $7, '"stock":' || t.stock), $8, '"variantStock":' || u.stock),
                              $9, '"sku":' || to_json(u.sku)),
                      $13, '"time":' || to_json(to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
              $10::text, $11::text
         FROM updated u JOIN totals t ON t.id = u.product_id
     )`;

/**
 * Runs a stock statement (LOCKED_AND_CHANGE, its own CTEs ending in `updated`, TOTALS_AND_EVENTS, its SELECT) with
 * the changes and their product.stock_changed events as $1–$13 and `extra` from $14 on, then, when `wroteEvents` says
 * its rows show events were written, wakes the relays once it has committed (outside a transaction the statement is
 * the commit, so the wake-up follows it). A refused change writes none, and waking the relay for it cost a batch that
 * found nothing (a sold-out product's refusals are most of a checkout race's calls at its end).
 */
export async function stockStatement<Row extends Record<string, unknown>>(
  db: Queryable,
  text: string,
  changes: readonly StockChange[],
  event: StockChangeCause,
  extra: unknown[],
  wroteEvents: (rows: readonly Row[]) => boolean,
): Promise<Row[]> {
  const wakeUps: Array<() => void> = [];
  const rows = outboxRows(
    { query: db.query.bind(db), afterCommit: (callback) => void wakeUps.push(callback) },
    changes.map((change) =>
      stockChanged({
        productId: change.productId,
        variantId: change.variantId,
        sku: SKU_STAND_IN,
        stock: STOCK_STAND_IN,
        variantStock: STOCK_STAND_IN,
        delta: change.delta,
        cause: event.cause,
        orderId: event.orderId,
      }),
    ),
    TIME_STAND_IN,
  );
  const result = await db.query<Row>(text, [
    changes.map((change) => change.productId),
    changes.map((change) => change.variantId),
    changes.map((change) => change.delta),
    rows.eventIds,
    rows.subjects,
    rows.bodies,
    `"stock":${STOCK_STAND_IN}`,
    `"variantStock":${STOCK_STAND_IN}`,
    `"sku":${JSON.stringify(SKU_STAND_IN)}`,
    rows.traceparent,
    rows.tracestate,
    [...new Set(changes.map((change) => change.productId))],
    `"time":${JSON.stringify(TIME_STAND_IN)}`,
    ...extra,
  ]);
  if (wroteEvents(result.rows)) for (const wakeUp of wakeUps) db.afterCommit(wakeUp);
  return result.rows;
}

/**
 * Adds each change's delta to its variant's stock, and their sum per product to the product's, in one statement:
 * locks the products, updates the variants whose new stock stays at least 0 (and at most ceiling, when given), then
 * their products, and writes a product.stock_changed event (cause, orderId, variant and SKU) for each updated variant
 * to the outbox. changes must hold each variant once.
 *
 * Rows are locked products first, in id order, then their variants: a variant's stock changes only under its
 * product's lock, so variants need no order of their own (updateVariant and insertVariant lock the product first
 * too). Several products' rows are locked by a statement of their own first, so concurrent multi-product changes cannot
 * deadlock (an UPDATE alone locks rows in whatever order its join plan reaches them: a race of 100 multi-product orders
 * then failed with deadlocks). One product's row is locked by the statement itself, so a single-product change holds
 * its hot rows for one statement and the commit. Returns the updated variants' ids; a missing variant or a refused
 * change is left out.
 */
export async function changeStock(
  tx: Queryable,
  changes: readonly StockChange[],
  event: StockChangeCause & { ceiling?: number },
): Promise<string[]> {
  const productIds = [...new Set(changes.map((change) => change.productId))];
  if (productIds.length > 1) {
    await tx.query("SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE", [productIds]);
  }
  const rows = await stockStatement<{ id: string }>(
    tx,
    `WITH ${LOCKED_AND_CHANGE}, updated AS (
       UPDATE product_variants v SET stock = v.stock + change.delta, updated_at = now()
         FROM change JOIN locked ON locked.id = change.product_id
        WHERE v.id = change.variant_id AND v.product_id = change.product_id AND v.stock + change.delta >= 0
          AND ($14::bigint IS NULL OR v.stock + change.delta <= $14)
       RETURNING v.id, v.product_id, v.sku, v.stock, v.archived_at, change.delta, change.event_id, change.subject,
                 change.body
     ), ${TOTALS_AND_EVENTS}
     SELECT id FROM updated ORDER BY id`,
    changes,
    event,
    [event.ceiling ?? null],
    // One event per updated variant.
    (updated) => updated.length > 0,
  );
  return rows.map((row) => row.id);
}
