/**
 * The SQL of the inventory (inventory.ts): a variant's stock changed by hand and the products' stock levels (on hand,
 * available, held, sold); reservations, stock taken for an order's lines, all or none, in one statement that commits
 * by itself, then committed or released (the units put back) by the order's outcome; and their reads. Every stock
 * change runs the one stock statement (stock-statement.ts).
 */
import { LIMITS, type Queryable } from "@polyscale/platform";
import type {
  Reservation,
  ReservationLine,
  ReservationStatus,
  StockAdjustment,
  StockLevel,
  StockReservation,
} from "../model.js";
import { changeStock, LOCKED_AND_CHANGE, stockStatement, TOTALS_AND_EVENTS } from "./stock-statement.js";

/** Adds delta to a variant's stock unless the sum would leave 0..LIMITS.stock; writes its stock_changed event. */
export async function adjustStock(
  tx: Queryable,
  change: { productId: string; variantId: string; delta: number },
): Promise<StockAdjustment> {
  const [changed] = await changeStock(tx, [change], { cause: "adjusted", ceiling: LIMITS.stock });
  if (changed) return { kind: "adjusted" };
  const exists = await tx.query<{ sku: string }>("SELECT sku FROM product_variants WHERE id = $1 AND product_id = $2", [
    change.variantId,
    change.productId,
  ]);
  const variant = exists.rows[0];
  return variant ? { kind: "outOfRange", sku: variant.sku } : { kind: "variantNotFound" };
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

const byVariantId = (a: ReservationLine, b: ReservationLine) =>
  a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0;

/**
 * Takes stock for every line or for none, in one statement that commits by itself when db is the database (not a
 * transaction): the reservation, its lines, the stock and the product.stock_changed events. Keyed by order id: if the
 * order already has a reservation it is returned unchanged (`existing`). lines must hold each variant once. A refused
 * line (`variantNotFound`, `archived`, `variantArchived`, `insufficient`) leaves nothing written.
 *
 * The statement locks the lines' products in id order (so concurrent orders cannot deadlock), then, once every one is
 * locked, their variants, whose locking read returns the stock as last committed; an archived product is refused
 * there, under its lock, not by an earlier read, so an archive racing the reservation either commits first (refused)
 * or waits for it; an archived variant likewise (archiving one locks its product's row first). Only when no line is refused does it insert the reservation (ON CONFLICT DO NOTHING: a concurrent
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
    refused:
      | {
          variantId: string;
          sku: string | null;
          kind: "variantNotFound" | "archived" | "variantArchived" | "insufficient";
        }[]
      | null;
  }>(
    db,
    `WITH ${LOCKED_AND_CHANGE}, current AS MATERIALIZED (
       -- Evaluated once every product is locked (the count reads all of locked first).
       SELECT id, product_id, sku, stock, archived_at FROM product_variants
        WHERE id = ANY($2::uuid[]) AND (SELECT count(*) FROM locked) > 0
          FOR NO KEY UPDATE
     ), refused AS MATERIALIZED (
       SELECT change.variant_id, current.sku,
              CASE WHEN current.id IS NULL THEN 'variantNotFound'
                   WHEN locked.archived_at IS NOT NULL THEN 'archived'
                   WHEN current.archived_at IS NOT NULL THEN 'variantArchived'
                   ELSE 'insufficient' END AS kind
         FROM change
         LEFT JOIN current ON current.id = change.variant_id AND current.product_id = change.product_id
         LEFT JOIN locked ON locked.id = change.product_id
        WHERE current.id IS NULL OR locked.archived_at IS NOT NULL OR current.archived_at IS NOT NULL
           OR current.stock + change.delta < 0
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
       RETURNING v.id, v.product_id, v.sku, v.stock, v.archived_at, change.delta, change.event_id, change.subject,
                 change.body
     ), ${TOTALS_AND_EVENTS}
     SELECT reservation.created_at, reservation.updated_at,
            (SELECT json_agg(json_build_object('variantId', variant_id, 'sku', sku, 'kind', kind)) FROM refused) AS refused
       FROM (SELECT) AS one LEFT JOIN reservation ON true`,
    ordered.map((line) => ({ productId: line.productId, variantId: line.variantId, delta: -line.quantity })),
    { cause: "reserved", orderId },
    [orderId],
    // The events are written only with the reservation.
    ([reserved]) => Boolean(reserved?.created_at),
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
  const refused = new Map((result?.refused ?? []).map((refusal) => [refusal.variantId, refusal]));
  for (const kind of ["variantNotFound", "archived", "variantArchived", "insufficient"] as const) {
    const line = ordered.find((candidate) => refused.get(candidate.variantId)?.kind === kind);
    if (line && (kind === "variantNotFound" || kind === "archived")) return { kind, line };
    if (line) return { kind, line, sku: refused.get(line.variantId)!.sku ?? "" };
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
