/** The cart: one row per account and variant, written under the cart lock. */
import type { Queryable } from "@polyscale/platform";
import type { CartItem, CartRefusal, VariantLine } from "../model.js";

/** The cart's lines in the order they were first added. */
export async function listCartItems(db: Queryable, accountId: string): Promise<CartItem[]> {
  const result = await db.query<CartItem>(
    `SELECT product_id AS "productId", variant_id AS "variantId", quantity, updated_at AS "updatedAt"
       FROM cart_items WHERE account_id = $1 ORDER BY added_at, variant_id`,
    [accountId],
  );
  return result.rows;
}

/** An advisory lock namespace of our own (two-key form) for cart writes, apart from the hold checks' one. */
const CART_LOCK_NAMESPACE = 1_000_011;

/**
 * Adds units to a cart line ("add") or sets them ("set"), creating the line if needed. Run it inside a transaction:
 * it takes the account's cart lock until the transaction ends, so concurrent writes neither lose units nor push the
 * cart past maxProducts lines (distinct variants) or into a second currency. Returns the line's new quantity, or the
 * refusal (nothing is changed then).
 */
export async function putCartItem(
  tx: Queryable,
  accountId: string,
  item: VariantLine & { currency: string },
  mode: "add" | "set",
  limits: { maxQuantity: number; maxProducts: number },
): Promise<number | CartRefusal> {
  await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [CART_LOCK_NAMESPACE, accountId]);
  const state = await tx.query<{ lines: number; present: boolean; otherCurrency: boolean }>(
    `SELECT count(*)::int AS lines, coalesce(bool_or(variant_id = $2), false) AS present,
            coalesce(bool_or(currency <> $3), false) AS "otherCurrency"
         FROM cart_items WHERE account_id = $1`,
    [accountId, item.variantId, item.currency],
  );
  const { lines, present, otherCurrency } = state.rows[0]!;
  if (otherCurrency) return "CURRENCY_MISMATCH";
  if (!present && lines >= limits.maxProducts) return "CART_FULL";
  const quantity = mode === "add" ? "cart_items.quantity + EXCLUDED.quantity" : "EXCLUDED.quantity";
  const result = await tx.query<{ quantity: number }>(
    `INSERT INTO cart_items (account_id, product_id, variant_id, quantity, currency) VALUES ($1, $2, $6, $3, $5)
       ON CONFLICT (account_id, variant_id) DO UPDATE
         SET quantity = ${quantity}, currency = EXCLUDED.currency, updated_at = now()
         WHERE ${quantity} <= $4
       RETURNING quantity`,
    [accountId, item.productId, item.quantity, limits.maxQuantity, item.currency, item.variantId],
  );
  return result.rows[0]?.quantity ?? "LINE_FULL";
}

/** Removes the line of one variant (none is fine). */
export async function removeCartItem(db: Queryable, accountId: string, variantId: string): Promise<void> {
  await db.query("DELETE FROM cart_items WHERE account_id = $1 AND variant_id = $2", [accountId, variantId]);
}

export async function clearCart(db: Queryable, accountId: string): Promise<void> {
  await db.query("DELETE FROM cart_items WHERE account_id = $1", [accountId]);
}

/**
 * Takes the ordered quantities out of the cart (inside the transaction that stores the order). The cart rows are
 * locked in variant id order first; if any line now holds less than was ordered (a concurrent checkout or edit got
 * there first) nothing is taken and false is returned, so one cart never pays for two orders.
 */
export async function takeFromCart(tx: Queryable, accountId: string, lines: readonly VariantLine[]): Promise<boolean> {
  const variantIds = lines.map((line) => line.variantId);
  const locked = await tx.query<{ variantId: string; quantity: number }>(
    `SELECT variant_id AS "variantId", quantity FROM cart_items
      WHERE account_id = $1 AND variant_id = ANY($2::uuid[])
      ORDER BY variant_id FOR UPDATE`,
    [accountId, variantIds],
  );
  const held = new Map(locked.rows.map((row) => [row.variantId, row.quantity]));
  if (lines.some((line) => (held.get(line.variantId) ?? 0) < line.quantity)) return false;
  await tx.query(
    `WITH taken AS (
       SELECT unnest($2::uuid[]) AS variant_id, unnest($3::int[]) AS quantity
     ), emptied AS (
       DELETE FROM cart_items c USING taken t
        WHERE c.account_id = $1 AND c.variant_id = t.variant_id AND c.quantity = t.quantity
     )
     UPDATE cart_items c SET quantity = c.quantity - t.quantity, updated_at = now()
       FROM taken t
      WHERE c.account_id = $1 AND c.variant_id = t.variant_id AND c.quantity > t.quantity`,
    [accountId, variantIds, lines.map((line) => line.quantity)],
  );
  return true;
}
