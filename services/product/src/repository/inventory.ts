/**
 * Stock and reservations. Every stock change locks the product rows in id order, then their variants, so concurrent
 * changes do not deadlock, and writes their product.stock_changed events in the statement that changes the stock. A
 * reservation is that one statement alone, committing by itself, so a hot row stays locked only for it and the
 * server-side commit; adjustments and releases are their transaction's last statement (changeStock).
 */
import { LIMITS, outboxRows, type Queryable } from "@polyscale/platform";
import { stockChanged } from "../events.js";
import type {
  Reservation,
  ReservationLine,
  ReservationStatus,
  StockAdjustment,
  StockLevel,
  StockReservation,
} from "../model.js";

const byVariantId = (a: ReservationLine, b: ReservationLine) =>
  a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0;

/** Adds delta to a variant's stock unless the sum would leave 0..LIMITS.stock; writes its stock_changed event. */
export async function adjustStock(
  tx: Queryable,
  change: { productId: string; variantId: string; delta: number },
): Promise<StockAdjustment> {
  const [changed] = await changeStock(tx, [change], { cause: "adjusted", ceiling: LIMITS.stock });
  if (changed) return { kind: "adjusted" };
  const exists = await tx.query("SELECT 1 FROM product_variants WHERE id = $1 AND product_id = $2", [
    change.variantId,
    change.productId,
  ]);
  return exists.rowCount === 0 ? { kind: "variantNotFound" } : { kind: "outOfRange" };
}

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
const LOCKED_AND_CHANGE = `locked AS MATERIALIZED (
       SELECT id, archived_at FROM products WHERE id = ANY($12::uuid[]) ORDER BY id FOR NO KEY UPDATE
     ), change AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[])
         AS change (product_id, variant_id, delta, event_id, subject, body)
     )`;

// The close of a stock statement, after its `updated` (the variants changed, with their change's columns): adds the
// deltas to their products' stock and writes each variant's event with the stocks, SKU and time in place of the
// stand-ins. The events take their outbox ids after the row locks (see outboxRows), so per product they follow commit
// order.
const TOTALS_AND_EVENTS = `totals AS (
       UPDATE products p SET stock = p.stock + moved.delta, updated_at = now()
         FROM (SELECT product_id, sum(delta) AS delta FROM updated GROUP BY product_id) moved
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
 * the changes and their product.stock_changed events as $1–$13 and `extra` from $14 on, then wakes the relays once
 * it has committed (outside a transaction the statement is the commit, so the wake-up follows it).
 */
async function stockStatement<Row extends Record<string, unknown>>(
  db: Queryable,
  text: string,
  changes: readonly StockChange[],
  event: StockChangeCause,
  extra: unknown[],
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
  for (const wakeUp of wakeUps) db.afterCommit(wakeUp);
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
async function changeStock(
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
       RETURNING v.id, v.product_id, v.sku, v.stock, change.delta, change.event_id, change.subject, change.body
     ), ${TOTALS_AND_EVENTS}
     SELECT id FROM updated ORDER BY id`,
    changes,
    event,
    [event.ceiling ?? null],
  );
  return rows.map((row) => row.id);
}

/**
 * Takes stock for every line or for none, in one statement that commits by itself when db is the database (not a
 * transaction): the reservation, its lines, the stock and the product.stock_changed events. Keyed by order id: if the
 * order already has a reservation it is returned unchanged (`existing`). lines must hold each variant once. A refused
 * line (`variantNotFound`, `archived`, `insufficient`) leaves nothing written.
 *
 * The statement locks the lines' products in id order (so concurrent orders cannot deadlock), then, once every one is
 * locked, their variants, whose locking read returns the stock as last committed; an archived product is refused
 * there, under its lock, not by an earlier read, so an archive racing the reservation either commits first (refused)
 * or waits for it. Only when no line is refused does it insert the reservation (ON CONFLICT DO NOTHING: a concurrent
 * duplicate waits there for the first one, which holds the same rows, and then inserts nothing), then the lines, the
 * stock and the events, each on condition that the reservation went in.
 */
export async function reserveStock(
  db: Queryable,
  orderId: string,
  lines: readonly ReservationLine[],
): Promise<StockReservation> {
  const ordered = [...lines].sort(byVariantId);
  const [result] = await stockStatement<{
    created_at: Date | null;
    updated_at: Date | null;
    refused: { variantId: string; kind: "variantNotFound" | "archived" | "insufficient" }[] | null;
  }>(
    db,
    `WITH ${LOCKED_AND_CHANGE}, current AS MATERIALIZED (
       -- Evaluated once every product is locked (the count reads all of locked first).
       SELECT id, product_id, stock FROM product_variants
        WHERE id = ANY($2::uuid[]) AND (SELECT count(*) FROM locked) > 0
          FOR NO KEY UPDATE
     ), refused AS MATERIALIZED (
       SELECT change.variant_id,
              CASE WHEN current.id IS NULL THEN 'variantNotFound'
                   WHEN locked.archived_at IS NOT NULL THEN 'archived'
                   ELSE 'insufficient' END AS kind
         FROM change
         LEFT JOIN current ON current.id = change.variant_id AND current.product_id = change.product_id
         LEFT JOIN locked ON locked.id = change.product_id
        WHERE current.id IS NULL OR locked.archived_at IS NOT NULL OR current.stock + change.delta < 0
     ), reservation AS (
       -- A reservation this statement's snapshot already sees is not inserted again: the insert would wait for a
       -- release of it holding its row while this statement holds the products that release needs.
       INSERT INTO reservations (order_id, status)
       SELECT $14::uuid, 'held'
        WHERE NOT EXISTS (SELECT FROM refused) AND NOT EXISTS (SELECT FROM reservations WHERE order_id = $14::uuid)
       ON CONFLICT (order_id) DO NOTHING
       RETURNING created_at, updated_at
     ), lines AS (
       INSERT INTO reservation_lines (order_id, product_id, variant_id, quantity)
       SELECT $14::uuid, product_id, variant_id, -delta FROM change WHERE EXISTS (SELECT FROM reservation)
     ), updated AS (
       UPDATE product_variants v SET stock = v.stock + change.delta, updated_at = now()
         FROM change
        WHERE v.id = change.variant_id AND EXISTS (SELECT FROM reservation)
       RETURNING v.id, v.product_id, v.sku, v.stock, change.delta, change.event_id, change.subject, change.body
     ), ${TOTALS_AND_EVENTS}
     SELECT reservation.created_at, reservation.updated_at,
            (SELECT json_agg(json_build_object('variantId', variant_id, 'kind', kind)) FROM refused) AS refused
       FROM (SELECT) AS one LEFT JOIN reservation ON true`,
    ordered.map((line) => ({ productId: line.productId, variantId: line.variantId, delta: -line.quantity })),
    { cause: "reserved", orderId },
    [orderId],
  );
  if (result?.created_at && result.updated_at) {
    return {
      kind: "reserved",
      reservation: {
        orderId,
        status: "held",
        lines: ordered,
        createdAt: result.created_at,
        updatedAt: result.updated_at,
      },
    };
  }
  // Nothing was inserted: the order has a reservation (then its lines may have been refused only because it holds
  // the stock already), or a line was refused. Read after the statement, so a duplicate it waited for shows.
  const [existing] = await findReservations(db, [orderId]);
  if (existing) return { kind: "existing", reservation: existing };
  const refused = new Map((result?.refused ?? []).map((refusal) => [refusal.variantId, refusal.kind]));
  for (const kind of ["variantNotFound", "archived", "insufficient"] as const) {
    const line = ordered.find((candidate) => refused.get(candidate.variantId) === kind);
    if (line) return { kind, line };
  }
  throw new Error(`reservation for order ${orderId} was neither inserted, found nor refused`);
}

/** The reservation's status, its row locked until the transaction ends; undefined when there is none. */
export async function lockReservation(tx: Queryable, orderId: string): Promise<ReservationStatus | undefined> {
  const current = await tx.query<{ status: ReservationStatus }>(
    "SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE",
    [orderId],
  );
  return current.rows[0]?.status;
}

export async function setReservationStatus(tx: Queryable, orderId: string, status: ReservationStatus): Promise<void> {
  await tx.query("UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = $1", [orderId, status]);
}

/**
 * Puts a reservation's units back on its variants' stock and writes their stock_changed events, in one statement
 * (changeStock). lines are the reservation's (findReservations).
 */
export async function returnStock(tx: Queryable, orderId: string, lines: readonly ReservationLine[]): Promise<void> {
  await changeStock(
    tx,
    lines.map((line) => ({ productId: line.productId, variantId: line.variantId, delta: line.quantity })),
    { cause: "released", orderId },
  );
}

/**
 * Oldest first, in (created_at, order_id) order. Keyset pagination: with afterOrderId, only the reservations after
 * that one, compared on the exact stored values (a cursor carried as a JavaScript Date would lose the microseconds
 * and skip or repeat rows).
 */
export async function listReservations(
  db: Queryable,
  filter: { status?: ReservationStatus; createdBefore?: Date; take: number; afterOrderId?: string },
): Promise<Reservation[]> {
  const result = await db.query<{ order_id: string }>(
    `SELECT order_id FROM reservations
     WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR created_at < $2)
       AND ($4::uuid IS NULL
            OR (created_at, order_id) > (SELECT created_at, order_id FROM reservations WHERE order_id = $4))
     ORDER BY created_at, order_id LIMIT $3`,
    [filter.status ?? null, filter.createdBefore ?? null, filter.take, filter.afterOrderId ?? null],
  );
  return findReservations(
    db,
    result.rows.map((row) => row.order_id),
  );
}

/**
 * Stock levels of the given products (in the order given, unknown ids left out) or, with productIds undefined, of the
 * `take` products holding the most units, most first. Held and sold are summed from the reservations.
 */
export async function listStockLevels(
  db: Queryable,
  filter: { productIds?: readonly string[]; take: number },
): Promise<StockLevel[]> {
  const result = await db.query<StockLevel>(
    `WITH chosen AS (
       SELECT id FROM products WHERE $1::uuid[] IS NOT NULL AND id = ANY($1::uuid[])
       UNION ALL
       (SELECT l.product_id FROM reservations r JOIN reservation_lines l ON l.order_id = r.order_id
         WHERE $1::uuid[] IS NULL AND r.status = 'held'
         GROUP BY l.product_id ORDER BY sum(l.quantity) DESC, l.product_id LIMIT $2)
     )
     SELECT p.id AS "productId", p.stock AS available, totals.held, totals.sold, p.stock + totals.held AS "onHand"
       FROM chosen JOIN products p ON p.id = chosen.id
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(l.quantity) FILTER (WHERE r.status = 'held'), 0)::bigint AS held,
                coalesce(sum(l.quantity) FILTER (WHERE r.status = 'committed'), 0)::bigint AS sold
           FROM reservation_lines l JOIN reservations r ON r.order_id = l.order_id
          WHERE l.product_id = p.id) totals`,
    [filter.productIds ?? null, filter.take],
  );
  if (filter.productIds) {
    const byId = new Map(result.rows.map((row) => [row.productId, row]));
    return filter.productIds.flatMap((id) => byId.get(id) ?? []);
  }
  return result.rows.sort((a, b) => b.held - a.held || (a.productId < b.productId ? -1 : 1));
}

export async function reservationExists(db: Queryable, orderId: string): Promise<boolean> {
  const result = await db.query("SELECT 1 FROM reservations WHERE order_id = $1", [orderId]);
  return result.rowCount === 1;
}

/** The reservations with these order ids, in the given order, with their lines. */
export async function findReservations(db: Queryable, orderIds: readonly string[]): Promise<Reservation[]> {
  if (orderIds.length === 0) return [];
  const [reservations, lines] = await Promise.all([
    db.query<{ order_id: string; status: ReservationStatus; created_at: Date; updated_at: Date }>(
      "SELECT order_id, status, created_at, updated_at FROM reservations WHERE order_id = ANY($1::uuid[])",
      [orderIds],
    ),
    db.query<{ order_id: string; product_id: string; variant_id: string; quantity: number }>(
      `SELECT order_id, product_id, variant_id, quantity FROM reservation_lines
       WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, variant_id`,
      [orderIds],
    ),
  ]);
  const linesByOrder = new Map<string, ReservationLine[]>();
  for (const line of lines.rows) {
    const list = linesByOrder.get(line.order_id) ?? [];
    list.push({ productId: line.product_id, variantId: line.variant_id, quantity: line.quantity });
    linesByOrder.set(line.order_id, list);
  }
  const byOrderId = new Map(
    reservations.rows.map((row) => [
      row.order_id,
      {
        orderId: row.order_id,
        status: row.status,
        lines: linesByOrder.get(row.order_id) ?? [],
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    ]),
  );
  return orderIds.flatMap((orderId) => byOrderId.get(orderId) ?? []);
}
