/**
 * Stock adjustments and levels: a variant's stock changed by hand (through the one stock statement, stock-statement.ts)
 * and the products' available, held and sold units.
 */
import { LIMITS, type Queryable } from "@polyscale/platform";
import type { StockAdjustment, StockLevel } from "../model.js";
import { changeStock } from "./stock-statement.js";

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
