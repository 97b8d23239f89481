import { LIMITS, outboxRows, type Page, type Queryable } from "@polyscale/platform";
import { stockChanged } from "./events.js";
import type {
  ArchiveChange,
  Category,
  NewProduct,
  Product,
  ProductChanges,
  Reservation,
  ReservationLine,
  ReservationStatus,
  StockAdjustment,
  StockLevel,
  StockReservation,
} from "./model.js";

/**
 * All SQL of the product service: catalog, categories and inventory, as functions taking a Queryable so the service
 * runs them inside its transactions. They return data or outcomes (model.ts) and raise no business errors. Every
 * stock change (changeStock) locks the product rows in id order so concurrent reservations do not deadlock, then
 * updates them and writes their product.stock_changed events in one statement, the transaction's last, so a hot row
 * stays locked only for that (and, with several products, the locking statement) and the commit.
 */

/** A products row as node-postgres returns it; PRODUCT_COLUMNS selects it, toProduct maps it. */
export interface ProductRow {
  id: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  category_id: string | null;
  stock: number;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export const PRODUCT_COLUMNS =
  "id, name, description, price_cents, currency, category_id, stock, created_at, updated_at, archived_at";

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    currency: row.currency,
    categoryId: row.category_id,
    stock: row.stock,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

interface CategoryRow {
  id: string;
  name: string;
  slug: string;
  parent_id: string | null;
}

function toCategory(row: CategoryRow): Category {
  return { id: row.id, name: row.name, slug: row.slug, parentId: row.parent_id };
}

/** Column of each changeable product field; the only names ever placed into UPDATE text. */
const CHANGEABLE_COLUMNS: Record<keyof ProductChanges, string> = {
  name: "name",
  description: "description",
  priceCents: "price_cents",
  currency: "currency",
  categoryId: "category_id",
};

const byProductId = (a: ReservationLine, b: ReservationLine) =>
  a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0;

// ---- categories

/** Stores a category; undefined when its slug is taken (the unique constraint decides, so concurrent ones agree). */
export async function insertCategory(db: Queryable, category: Category): Promise<Category | undefined> {
  const result = await db.query<CategoryRow>(
    `INSERT INTO categories (id, name, slug, parent_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT ON CONSTRAINT categories_slug_key DO NOTHING
     RETURNING id, name, slug, parent_id`,
    [category.id, category.name, category.slug, category.parentId],
  );
  return result.rows[0] && toCategory(result.rows[0]);
}

export async function categoryExists(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query("SELECT 1 FROM categories WHERE id = $1", [id]);
  return result.rowCount === 1;
}

export async function listCategories(db: Queryable): Promise<Category[]> {
  const result = await db.query<CategoryRow>("SELECT id, name, slug, parent_id FROM categories ORDER BY name, id");
  return result.rows.map(toCategory);
}

// ---- products

export async function insertProduct(db: Queryable, product: NewProduct): Promise<Product> {
  const result = await db.query<ProductRow>(
    `INSERT INTO products (id, name, description, price_cents, currency, category_id, stock)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING ${PRODUCT_COLUMNS}`,
    [
      product.id,
      product.name,
      product.description,
      product.priceCents,
      product.currency,
      product.categoryId,
      product.stock,
    ],
  );
  return toProduct(result.rows[0]!);
}

/** Applies the fields that are set (at least one must be); undefined when the product does not exist. */
export async function updateProduct(db: Queryable, id: string, changes: ProductChanges): Promise<Product | undefined> {
  const values: unknown[] = [id];
  const assignments: string[] = [];
  for (const field of Object.keys(CHANGEABLE_COLUMNS) as Array<keyof ProductChanges>) {
    if (changes[field] === undefined) continue;
    values.push(changes[field]);
    assignments.push(`${CHANGEABLE_COLUMNS[field]} = $${values.length}`);
  }
  const result = await db.query<ProductRow>(
    `UPDATE products SET ${assignments.join(", ")}, updated_at = now() WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
    values,
  );
  return result.rows[0] && toProduct(result.rows[0]);
}

export async function getProduct(db: Queryable, id: string): Promise<Product | undefined> {
  const result = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [id]);
  return result.rows[0] && toProduct(result.rows[0]);
}

/** The products that exist among ids, in the order of ids. */
export async function getProducts(db: Queryable, ids: readonly string[]): Promise<Product[]> {
  if (ids.length === 0) return [];
  const result = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1::uuid[])`, [
    ids,
  ]);
  const byId = new Map(result.rows.map((row) => [row.id, toProduct(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Products on sale (archived ones are left out), newest first; the id breaks ties so pages never overlap. */
export async function listProducts(db: Queryable, page: Page): Promise<Product[]> {
  const result = await db.query<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS} FROM products WHERE archived_at IS NULL
     ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
    [page.take, page.skip],
  );
  return result.rows.map(toProduct);
}

/**
 * Archives (archived true: archived_at set to now) or restores (archived_at cleared) a product, locking its row, so a
 * reservation's stock statement waiting for that lock sees the new state. A product already in the asked state is
 * returned unchanged (changed false). undefined when the product does not exist.
 */
export async function setArchived(tx: Queryable, id: string, archived: boolean): Promise<ArchiveChange | undefined> {
  const updated = await tx.query<ProductRow>(
    `UPDATE products SET archived_at = CASE WHEN $2 THEN now() END, updated_at = now()
     WHERE id = $1 AND (archived_at IS NOT NULL) <> $2
     RETURNING ${PRODUCT_COLUMNS}`,
    [id, archived],
  );
  if (updated.rows[0]) return { product: toProduct(updated.rows[0]), changed: true };
  const product = await getProduct(tx, id);
  return product && { product, changed: false };
}

// ---- inventory

/** Adds delta to the stock unless the sum would leave 0..LIMITS.stock; writes its stock_changed event. */
export async function adjustStock(tx: Queryable, productId: string, delta: number): Promise<StockAdjustment> {
  const [product] = await changeStock(tx, [{ productId, delta }], { cause: "adjusted", ceiling: LIMITS.stock });
  if (product) return { kind: "adjusted", product };
  const exists = await tx.query("SELECT 1 FROM products WHERE id = $1", [productId]);
  return exists.rowCount === 0 ? { kind: "productNotFound" } : { kind: "outOfRange" };
}

// A stock_changed body is built before its UPDATE, which alone knows the new stock: it carries this stand-in (stock is
// never negative, and no other field of the envelope is named stock), and the statement puts the stock in its place.
const STOCK_STAND_IN = -1;

/**
 * Adds each change's delta to its product's stock, in one statement: updates the rows whose new stock stays at least
 * 0 (and at most ceiling, when given; and, with onSaleOnly, whose product is not archived) and writes a product.stock_changed event (cause, orderId) for each updated row to
 * the outbox. The events take their outbox ids after the row locks (see outboxRows), so per product they follow commit
 * order. changes must hold each product once. Several products' rows are first locked in product-id order by a
 * statement of their own, so concurrent multi-product changes cannot deadlock: the UPDATE alone locks rows in whatever
 * order its join plan reaches them (a race of 100 multi-product orders then failed with deadlocks). One product's row
 * is locked by the UPDATE itself, so a single-product change holds its hot row for one statement and the commit.
 * Returns the updated products, in product-id order; a product that is missing or whose change was refused is left out.
 */
async function changeStock(
  tx: Queryable,
  changes: readonly { productId: string; delta: number }[],
  event: { cause: "adjusted" | "reserved" | "released"; orderId?: string; ceiling?: number; onSaleOnly?: boolean },
): Promise<Product[]> {
  if (changes.length > 1) {
    await tx.query("SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE", [
      changes.map((change) => change.productId),
    ]);
  }
  const rows = outboxRows(
    tx,
    changes.map((change) =>
      stockChanged(change.productId, {
        stock: STOCK_STAND_IN,
        delta: change.delta,
        cause: event.cause,
        orderId: event.orderId,
      }),
    ),
  );
  const result = await tx.query<ProductRow>(
    `WITH change AS (
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[])
         AS change (product_id, delta, event_id, subject, body)
     ), updated AS (
       UPDATE products SET stock = products.stock + change.delta, updated_at = now()
         FROM change
        WHERE products.id = change.product_id AND products.stock + change.delta >= 0
          AND ($6::bigint IS NULL OR products.stock + change.delta <= $6)
          AND (NOT $10::boolean OR products.archived_at IS NULL)
       RETURNING ${PRODUCT_COLUMNS}, change.event_id, change.subject, change.body
     ), outbox AS (
       INSERT INTO event_outbox (event_id, subject, aggregate_id, body, traceparent, tracestate)
       SELECT event_id, subject, id::text, replace(body, $7, '"stock":' || stock), $8::text, $9::text FROM updated
     )
     SELECT ${PRODUCT_COLUMNS} FROM updated ORDER BY id`,
    [
      changes.map((change) => change.productId),
      changes.map((change) => change.delta),
      rows.eventIds,
      rows.subjects,
      rows.bodies,
      event.ceiling ?? null,
      `"stock":${STOCK_STAND_IN}`,
      rows.traceparent,
      rows.tracestate,
      event.onSaleOnly ?? false,
    ],
  );
  return result.rows.map(toProduct);
}

/**
 * Takes stock for every line, inside the caller's transaction. Keyed by order id: if the order already has a
 * reservation it is returned unchanged (`existing`). lines must hold each product once. An archived product is
 * refused (`archived`) by the statement that takes the stock, not by an earlier read, so an archive racing the
 * reservation either commits first (refused) or waits for it. After `insufficient`, `archived` or `productNotFound`
 * the caller must roll back: the lines before were taken.
 */
export async function reserveStock(
  tx: Queryable,
  orderId: string,
  lines: readonly ReservationLine[],
): Promise<StockReservation> {
  const ordered = [...lines].sort(byProductId);
  const productIds = ordered.map((line) => line.productId);
  // A concurrent duplicate waits here for the first one to commit or roll back, then sees its outcome. The lines go
  // in with the reservation, in the same statement, only for products that exist: a missing one is found here,
  // before any stock row is locked.
  const inserted = await tx.query<{ created_at: Date; updated_at: Date; stored: string[] | null }>(
    `WITH reservation AS (
       INSERT INTO reservations (order_id, status) VALUES ($1, 'held') ON CONFLICT (order_id) DO NOTHING
       RETURNING created_at, updated_at
     ), lines AS (
       INSERT INTO reservation_lines (order_id, product_id, quantity)
       SELECT $1, line.product_id, line.quantity
         FROM unnest($2::uuid[], $3::bigint[]) AS line (product_id, quantity)
         JOIN products ON products.id = line.product_id
        WHERE EXISTS (SELECT 1 FROM reservation)
       RETURNING product_id
     )
     SELECT created_at, updated_at, (SELECT array_agg(product_id) FROM lines) AS stored FROM reservation`,
    [orderId, productIds, ordered.map((line) => line.quantity)],
  );
  const created = inserted.rows[0];
  if (!created) return { kind: "existing", reservation: (await findReservations(tx, [orderId]))[0]! };
  const stored = new Set(created.stored ?? []);
  const missing = productIds.find((id) => !stored.has(id));
  if (missing) return { kind: "productNotFound", productId: missing };
  // The hot rows are locked last, in product-id order (so concurrent orders cannot deadlock), by changeStock, which
  // takes the stock and writes the events; the commit follows at once.
  const taken = await changeStock(
    tx,
    ordered.map((line) => ({ productId: line.productId, delta: -line.quantity })),
    { cause: "reserved", orderId, onSaleOnly: true },
  );
  const takenIds = new Set(taken.map((product) => product.id));
  const refused = productIds.filter((id) => !takenIds.has(id));
  if (refused.length > 0) {
    // The statement refused these under their row locks; an archive it waited for has committed, so it shows here.
    const archived = await tx.query<{ id: string }>(
      "SELECT id FROM products WHERE id = ANY($1::uuid[]) AND archived_at IS NOT NULL ORDER BY id LIMIT 1",
      [refused],
    );
    const archivedId = archived.rows[0]?.id;
    return archivedId ? { kind: "archived", productId: archivedId } : { kind: "insufficient", productId: refused[0]! };
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
 * Puts a reservation's units back on its products' stock and writes their stock_changed events, in one statement
 * (changeStock). lines are the reservation's (findReservations).
 */
export async function returnStock(tx: Queryable, orderId: string, lines: readonly ReservationLine[]): Promise<void> {
  await changeStock(
    tx,
    lines.map((line) => ({ productId: line.productId, delta: line.quantity })),
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
    db.query<{ order_id: string; product_id: string; quantity: number }>(
      `SELECT order_id, product_id, quantity FROM reservation_lines
       WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, product_id`,
      [orderIds],
    ),
  ]);
  const linesByOrder = new Map<string, ReservationLine[]>();
  for (const line of lines.rows) {
    const list = linesByOrder.get(line.order_id) ?? [];
    list.push({ productId: line.product_id, quantity: line.quantity });
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
