import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  isUniqueViolation,
  LIMITS,
  notFound,
  recordEvents,
  type Database,
  type Page,
  type Queryable,
} from "@polyscale/platform";
import { productChanged, stockChanged } from "./events.js";
import { stockRefusals } from "./metrics.js";

export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  categoryId: string | null;
  /** Units available to sell. Never negative. */
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

export type NewProduct = Omit<Product, "createdAt" | "updatedAt">;

/** The fields UpdateProduct may change; undefined leaves a field as it is, a null categoryId removes the category. */
export type ProductChanges = Partial<Pick<Product, "name" | "description" | "priceCents" | "currency" | "categoryId">>;

export interface Category {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
}

export type ReservationStatus = "held" | "committed" | "released";

export interface ReservationLine {
  productId: string;
  quantity: number;
}

/** Units of one product by what they are doing: available + held = on hand; sold are gone. */
export interface StockLevel {
  productId: string;
  onHand: number;
  available: number;
  held: number;
  sold: number;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  /** Ordered by product id. */
  lines: ReservationLine[];
  createdAt: Date;
  updatedAt: Date;
}

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
}

export const PRODUCT_COLUMNS =
  "id, name, description, price_cents, currency, category_id, stock, created_at, updated_at";

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

/**
 * All SQL of the product service: catalog, categories and inventory. Every stock change is one conditional UPDATE
 * inside one transaction, with product rows always locked in id order so concurrent reservations cannot deadlock.
 */
export class ProductRepository {
  constructor(private readonly database: Database) {}

  // ---- categories

  async createCategory(category: Category): Promise<Category> {
    try {
      // In a transaction although it is one statement: pg.Pool discards a client whose query failed (the duplicate
      // slug), which on PGlite breaks the one connection all clients share; a failed transaction only rolls back.
      const result = await this.database.transaction((tx) =>
        tx.query<CategoryRow>(
          `INSERT INTO categories (id, name, slug, parent_id) VALUES ($1, $2, $3, $4)
           RETURNING id, name, slug, parent_id`,
          [category.id, category.name, category.slug, category.parentId],
        ),
      );
      return toCategory(result.rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error, "categories_slug_key")) {
        throw alreadyExists("SLUG_TAKEN", `a category with slug "${category.slug}" already exists`, "slug");
      }
      throw error;
    }
  }

  async categoryExists(id: string): Promise<boolean> {
    const result = await this.database.query("SELECT 1 FROM categories WHERE id = $1", [id]);
    return result.rowCount === 1;
  }

  async listCategories(): Promise<Category[]> {
    const result = await this.database.query<CategoryRow>(
      "SELECT id, name, slug, parent_id FROM categories ORDER BY name, id",
    );
    return result.rows.map(toCategory);
  }

  // ---- products

  async createProduct(product: NewProduct): Promise<Product> {
    return this.database.transaction(async (tx) => {
      const result = await tx.query<ProductRow>(
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
      const created = toProduct(result.rows[0]!);
      await recordEvents(tx, [productChanged("product.created", created)]);
      return created;
    });
  }

  /** Applies the fields that are set; undefined when the product does not exist. */
  async updateProduct(id: string, changes: ProductChanges): Promise<Product | undefined> {
    const values: unknown[] = [id];
    const assignments: string[] = [];
    for (const field of Object.keys(CHANGEABLE_COLUMNS) as Array<keyof ProductChanges>) {
      if (changes[field] === undefined) continue;
      values.push(changes[field]);
      assignments.push(`${CHANGEABLE_COLUMNS[field]} = $${values.length}`);
    }
    if (assignments.length === 0) return this.getProduct(id);
    return this.database.transaction(async (tx) => {
      const result = await tx.query<ProductRow>(
        `UPDATE products SET ${assignments.join(", ")}, updated_at = now() WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
        values,
      );
      if (result.rowCount === 0) return undefined;
      const updated = toProduct(result.rows[0]!);
      await recordEvents(tx, [productChanged("product.updated", updated)]);
      return updated;
    });
  }

  async getProduct(id: string): Promise<Product | undefined> {
    const result = await this.database.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [id]);
    return result.rows[0] && toProduct(result.rows[0]);
  }

  /** The products that exist among ids, in the order of ids. */
  async getProducts(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const result = await this.database.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(result.rows.map((row) => [row.id, toProduct(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Newest first; the id breaks ties so pages never overlap. */
  async listProducts(page: Page): Promise<Product[]> {
    const result = await this.database.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
      [page.take, page.skip],
    );
    return result.rows.map(toProduct);
  }

  // ---- inventory

  /** Adds delta to the stock; refuses (FAILED_PRECONDITION) a result below zero. */
  async adjustStock(productId: string, delta: number): Promise<Product> {
    return this.database.transaction(async (tx) => {
      const result = await tx.query<ProductRow>(
        `UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1 AND stock + $2 BETWEEN 0 AND $3
         RETURNING ${PRODUCT_COLUMNS}`,
        [productId, delta, LIMITS.stock],
      );
      if (result.rowCount === 0) {
        await this.requireProduct(tx, productId);
        if (delta > 0) {
          throw invalidArgument(
            "delta",
            `stock of product ${productId} would exceed ${LIMITS.stock}`,
            "LIMIT_EXCEEDED",
          );
        }
        throw failedPrecondition("INSUFFICIENT_STOCK", `stock of product ${productId} cannot go below zero`, "delta");
      }
      const adjusted = toProduct(result.rows[0]!);
      await recordEvents(tx, [stockChanged(productId, { stock: adjusted.stock, delta, cause: "adjusted" })]);
      return adjusted;
    });
  }

  /**
   * Takes stock for every line or for none. Keyed by order id: if the order already has a reservation it is returned
   * unchanged (ALREADY_EXISTS if its lines differ). lines must hold each product once.
   */
  async reserveStock(orderId: string, lines: readonly ReservationLine[]): Promise<Reservation> {
    const ordered = [...lines].sort(byProductId);
    const productIds = ordered.map((line) => line.productId);
    try {
      return await this.database.transaction(async (tx) => {
        // A concurrent duplicate waits here for the first one to commit or roll back, then sees its outcome. The lines
        // go in with the reservation, in the same statement; a product that does not exist fails here, on the
        // foreign key, before any stock row is locked.
        const inserted = await tx.query<{ created_at: Date; updated_at: Date }>(
          `WITH reservation AS (
             INSERT INTO reservations (order_id, status) VALUES ($1, 'held') ON CONFLICT (order_id) DO NOTHING
             RETURNING created_at, updated_at
           ), lines AS (
             INSERT INTO reservation_lines (order_id, product_id, quantity)
             SELECT $1, product_id, quantity FROM unnest($2::uuid[], $3::bigint[]) AS line (product_id, quantity)
             WHERE EXISTS (SELECT 1 FROM reservation)
           )
           SELECT * FROM reservation`,
          [orderId, productIds, ordered.map((line) => line.quantity)],
        );
        const created = inserted.rows[0];
        if (!created) {
          const existing = (await this.findReservations(tx, [orderId]))[0]!;
          if (!sameLines(existing.lines, ordered)) {
            throw alreadyExists(
              "RESERVATION_CONFLICT",
              `order ${orderId} already has a reservation with different lines`,
              "orderId",
            );
          }
          return existing;
        }
        // The hot rows are locked last, in product-id order (so concurrent orders cannot deadlock), and stay locked
        // only for these updates and the commit.
        const events = [];
        for (const line of ordered) {
          const updated = await tx.query<{ stock: number }>(
            "UPDATE products SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2 RETURNING stock",
            [line.productId, line.quantity],
          );
          if (updated.rowCount === 0) {
            stockRefusals.inc();
            throw failedPrecondition(
              "INSUFFICIENT_STOCK",
              `insufficient stock for product ${line.productId}`,
              "productId",
            );
          }
          events.push(
            stockChanged(line.productId, {
              stock: updated.rows[0]!.stock,
              delta: -line.quantity,
              cause: "reserved",
              orderId,
            }),
          );
        }
        await recordEvents(tx, events);
        return {
          orderId,
          status: "held",
          lines: ordered,
          createdAt: created.created_at,
          updatedAt: created.updated_at,
        };
      });
    } catch (error) {
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
        const found = await this.database.query<{ id: string }>("SELECT id FROM products WHERE id = ANY($1::uuid[])", [
          productIds,
        ]);
        const existing = new Set(found.rows.map((row) => row.id));
        const missing = productIds.find((id) => !existing.has(id));
        if (missing) throw notFound("PRODUCT_NOT_FOUND", `product ${missing} not found`, "productId");
      }
      throw error;
    }
  }

  /** Gives a held reservation's stock back. Idempotent; a committed reservation cannot be released. */
  releaseReservation(orderId: string): Promise<Reservation> {
    return this.settleReservation(orderId, "released");
  }

  /** Marks a held reservation as sold. Idempotent; a released reservation cannot be committed. */
  commitReservation(orderId: string): Promise<Reservation> {
    return this.settleReservation(orderId, "committed");
  }

  /**
   * Oldest first, in (created_at, order_id) order. Keyset pagination: with afterOrderId, only the reservations after
   * that one, compared on the exact stored values (a cursor carried as a JavaScript Date would lose the
   * microseconds and skip or repeat rows).
   */
  async listReservations(filter: {
    status?: ReservationStatus;
    createdBefore?: Date;
    take: number;
    afterOrderId?: string;
  }): Promise<Reservation[]> {
    const result = await this.database.query<{ order_id: string }>(
      `SELECT order_id FROM reservations
       WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR created_at < $2)
         AND ($4::uuid IS NULL
              OR (created_at, order_id) > (SELECT created_at, order_id FROM reservations WHERE order_id = $4))
       ORDER BY created_at, order_id LIMIT $3`,
      [filter.status ?? null, filter.createdBefore ?? null, filter.take, filter.afterOrderId ?? null],
    );
    return this.findReservations(
      this.database,
      result.rows.map((row) => row.order_id),
    );
  }

  /**
   * Stock levels of the given products (in the order given, unknown ids left out) or, with productIds undefined, of
   * the `take` products holding the most units, most first. Held and sold are summed from the reservations.
   */
  async listStockLevels(filter: { productIds?: readonly string[]; take: number }): Promise<StockLevel[]> {
    const result = await this.database.query<StockLevel>(
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

  async reservationExists(orderId: string): Promise<boolean> {
    const result = await this.database.query("SELECT 1 FROM reservations WHERE order_id = $1", [orderId]);
    return result.rowCount === 1;
  }

  private async settleReservation(orderId: string, outcome: "released" | "committed"): Promise<Reservation> {
    return this.database.transaction(async (tx) => {
      const current = await tx.query<{ status: ReservationStatus }>(
        "SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE",
        [orderId],
      );
      const status = current.rows[0]?.status;
      if (status === undefined)
        throw notFound("RESERVATION_NOT_FOUND", `no reservation for order ${orderId}`, "orderId");
      if (status !== outcome) {
        if (status !== "held") {
          throw failedPrecondition(
            "RESERVATION_SETTLED",
            `the reservation for order ${orderId} is already ${status}`,
            "orderId",
          );
        }
        if (outcome === "released") await this.returnStock(tx, orderId);
        await tx.query("UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = $1", [
          orderId,
          outcome,
        ]);
      }
      return (await this.findReservations(tx, [orderId]))[0]!;
    });
  }

  private async returnStock(tx: Queryable, orderId: string): Promise<void> {
    const lines = await tx.query<{ product_id: string; quantity: number }>(
      "SELECT product_id, quantity FROM reservation_lines WHERE order_id = $1 ORDER BY product_id",
      [orderId],
    );
    const events = [];
    for (const line of lines.rows) {
      const returned = await tx.query<{ stock: number }>(
        "UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1 RETURNING stock",
        [line.product_id, line.quantity],
      );
      events.push(
        stockChanged(line.product_id, {
          stock: returned.rows[0]!.stock,
          delta: line.quantity,
          cause: "released",
          orderId,
        }),
      );
    }
    await recordEvents(tx, events);
  }

  /** The reservations with these order ids, in the given order, with their lines. */
  private async findReservations(db: Queryable, orderIds: readonly string[]): Promise<Reservation[]> {
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

  private async requireProduct(tx: Queryable, productId: string): Promise<void> {
    const result = await tx.query("SELECT 1 FROM products WHERE id = $1", [productId]);
    if (result.rowCount === 0) throw notFound("PRODUCT_NOT_FOUND", `product ${productId} not found`, "productId");
  }
}

const FOREIGN_KEY_VIOLATION = "23503";

/** Both lists ordered by product id. */
function sameLines(a: readonly ReservationLine[], b: readonly ReservationLine[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, index) => line.productId === b[index]!.productId && line.quantity === b[index]!.quantity)
  );
}
