/**
 * Stock and reservations. Every stock change (changeStock) locks the product rows in id order, then their variants, so
 * concurrent reservations do not deadlock, then updates them and writes their product.stock_changed events in one
 * statement, the transaction's last, so a hot row stays locked only for that (and, with several lines, the locking
 * statements) and the commit.
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

/**
 * Adds each change's delta to its variant's stock, and their sum per product to the product's, in one statement:
 * locks the products, updates the variants whose new stock stays at least 0 (and at most ceiling, when given; and, with
 * onSaleOnly, whose product is not archived, as read under its lock), then their products, and writes a
 * product.stock_changed event (cause, orderId, variant and SKU) for each updated variant to the outbox. The events take
 * their outbox ids after the row locks (see outboxRows), so per product they follow commit order. changes must hold
 * each variant once.
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
  changes: readonly { productId: string; variantId: string; delta: number }[],
  event: { cause: "adjusted" | "reserved" | "released"; orderId?: string; ceiling?: number; onSaleOnly?: boolean },
): Promise<string[]> {
  const productIds = [...new Set(changes.map((change) => change.productId))];
  if (productIds.length > 1) {
    await tx.query("SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE", [productIds]);
  }
  const rows = outboxRows(
    tx,
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
  );
  // A locking read returns the row as last committed (after waiting for its lock), so an archive committed meanwhile
  // is seen here.
  const result = await tx.query<{ id: string }>(
    `WITH locked AS MATERIALIZED (
       SELECT id, archived_at FROM products WHERE id = ANY($13::uuid[]) ORDER BY id FOR NO KEY UPDATE
     ), change AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[])
         AS change (product_id, variant_id, delta, event_id, subject, body)
     ), updated AS (
       UPDATE product_variants v SET stock = v.stock + change.delta, updated_at = now()
         FROM change JOIN locked ON locked.id = change.product_id
        WHERE v.id = change.variant_id AND v.product_id = change.product_id AND v.stock + change.delta >= 0
          AND ($7::bigint IS NULL OR v.stock + change.delta <= $7)
          AND (NOT $14::boolean OR locked.archived_at IS NULL)
       RETURNING v.id, v.product_id, v.sku, v.stock, change.delta, change.event_id, change.subject, change.body
     ), totals AS (
       UPDATE products p SET stock = p.stock + moved.delta, updated_at = now()
         FROM (SELECT product_id, sum(delta) AS delta FROM updated GROUP BY product_id) moved
        WHERE p.id = moved.product_id
       RETURNING p.id, p.stock
     ), outbox AS (
       INSERT INTO event_outbox (event_id, subject, aggregate_id, body, traceparent, tracestate)
       SELECT u.event_id, u.subject, u.product_id::text,
              replace(replace(replace(u.body, $8, '"stock":' || t.stock), $9, '"variantStock":' || u.stock),
                      $10, '"sku":' || to_json(u.sku)),
              $11::text, $12::text
         FROM updated u JOIN totals t ON t.id = u.product_id
     )
     SELECT id FROM updated ORDER BY id`,
    [
      changes.map((change) => change.productId),
      changes.map((change) => change.variantId),
      changes.map((change) => change.delta),
      rows.eventIds,
      rows.subjects,
      rows.bodies,
      event.ceiling ?? null,
      `"stock":${STOCK_STAND_IN}`,
      `"variantStock":${STOCK_STAND_IN}`,
      `"sku":${JSON.stringify(SKU_STAND_IN)}`,
      rows.traceparent,
      rows.tracestate,
      productIds,
      event.onSaleOnly ?? false,
    ],
  );
  return result.rows.map((row) => row.id);
}

/**
 * Takes stock for every line, inside the caller's transaction. Keyed by order id: if the order already has a
 * reservation it is returned unchanged (`existing`). lines must hold each variant once. An archived product is
 * refused (`archived`) by the statement that takes the stock, not by an earlier read, so an archive racing the
 * reservation either commits first (refused) or waits for it. After `insufficient`, `archived` or `variantNotFound`
 * the caller must roll back: the lines before were taken.
 */
export async function reserveStock(
  tx: Queryable,
  orderId: string,
  lines: readonly ReservationLine[],
): Promise<StockReservation> {
  const ordered = [...lines].sort(byVariantId);
  const variantIds = ordered.map((line) => line.variantId);
  // A concurrent duplicate waits here for the first one to commit or roll back, then sees its outcome. The lines go
  // in with the reservation, in the same statement, only for variants that exist of the product the line names: a
  // missing one is found here, before any stock row is locked.
  const inserted = await tx.query<{ created_at: Date; updated_at: Date; stored: string[] | null }>(
    `WITH reservation AS (
       INSERT INTO reservations (order_id, status) VALUES ($1, 'held') ON CONFLICT (order_id) DO NOTHING
       RETURNING created_at, updated_at
     ), lines AS (
       INSERT INTO reservation_lines (order_id, product_id, variant_id, quantity)
       SELECT $1, line.product_id, line.variant_id, line.quantity
         FROM unnest($2::uuid[], $3::uuid[], $4::bigint[]) AS line (product_id, variant_id, quantity)
         JOIN product_variants v ON v.id = line.variant_id AND v.product_id = line.product_id
        WHERE EXISTS (SELECT 1 FROM reservation)
       RETURNING variant_id
     )
     SELECT created_at, updated_at, (SELECT array_agg(variant_id) FROM lines) AS stored FROM reservation`,
    [orderId, ordered.map((line) => line.productId), variantIds, ordered.map((line) => line.quantity)],
  );
  const created = inserted.rows[0];
  if (!created) return { kind: "existing", reservation: (await findReservations(tx, [orderId]))[0]! };
  const stored = new Set(created.stored ?? []);
  const missing = ordered.find((line) => !stored.has(line.variantId));
  if (missing) return { kind: "variantNotFound", line: missing };
  // The hot rows are locked last, in id order (so concurrent orders cannot deadlock), by changeStock, which takes the
  // stock and writes the events; the commit follows at once.
  const taken = new Set(
    await changeStock(
      tx,
      ordered.map((line) => ({ productId: line.productId, variantId: line.variantId, delta: -line.quantity })),
      { cause: "reserved", orderId, onSaleOnly: true },
    ),
  );
  const refused = ordered.filter((line) => !taken.has(line.variantId));
  if (refused.length > 0) {
    // The statement refused these under their products' locks; an archive it waited for has committed, so it shows.
    const archived = await tx.query<{ id: string }>(
      "SELECT id FROM products WHERE id = ANY($1::uuid[]) AND archived_at IS NOT NULL ORDER BY id LIMIT 1",
      [refused.map((line) => line.productId)],
    );
    const archivedId = archived.rows[0]?.id;
    const archivedLine = refused.find((line) => line.productId === archivedId);
    return archivedLine ? { kind: "archived", line: archivedLine } : { kind: "insufficient", line: refused[0]! };
  }
  return {
    kind: "reserved",
    reservation: {
      orderId,
      status: "held",
      lines: ordered,
      createdAt: created.created_at,
      updatedAt: created.updated_at,
    },
  };
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
