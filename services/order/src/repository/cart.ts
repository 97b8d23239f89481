/**
 * Carts: one row per cart and variant, written under the cart lock. A cart is an account's (its id is the account's)
 * or a guest cart's (guest_carts, named by a token of which only the SHA-256 is stored).
 */
import type { Queryable } from "@polyscale/platform";
import type { CartItem, CartRefusal, VariantLine } from "../model.js";

/** The cart's lines in the order they were first added. */
export async function listCartItems(db: Queryable, cartId: string): Promise<CartItem[]> {
  const result = await db.query<CartItem>(
    `SELECT product_id AS "productId", variant_id AS "variantId", quantity, updated_at AS "updatedAt"
       FROM cart_items WHERE cart_id = $1 ORDER BY added_at, variant_id`,
    [cartId],
  );
  return result.rows;
}

/** An advisory lock namespace of our own (two-key form) for cart writes, apart from the hold checks' one. */
const CART_LOCK_NAMESPACE = 1_000_011;

/** Takes a cart's write lock until the transaction ends. */
async function lockCart(tx: Queryable, cartId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [CART_LOCK_NAMESPACE, cartId]);
}

/**
 * Adds units to a cart line ("add") or sets them ("set"), creating the line if needed. Run it inside a transaction:
 * it takes the account's cart lock until the transaction ends, so concurrent writes neither lose units nor push the
 * cart past maxProducts lines (distinct variants) or into a second currency. Returns the line's new quantity, or the
 * refusal (nothing is changed then).
 */
export async function putCartItem(
  tx: Queryable,
  cartId: string,
  item: VariantLine & { currency: string },
  mode: "add" | "set",
  limits: { maxQuantity: number; maxProducts: number },
): Promise<number | CartRefusal> {
  await lockCart(tx, cartId);
  const state = await tx.query<{ lines: number; present: boolean; otherCurrency: boolean }>(
    `SELECT count(*)::int AS lines, coalesce(bool_or(variant_id = $2), false) AS present,
            coalesce(bool_or(currency <> $3), false) AS "otherCurrency"
         FROM cart_items WHERE cart_id = $1`,
    [cartId, item.variantId, item.currency],
  );
  const { lines, present, otherCurrency } = state.rows[0]!;
  if (otherCurrency) return "CURRENCY_MISMATCH";
  if (!present && lines >= limits.maxProducts) return "CART_FULL";
  const quantity = mode === "add" ? "cart_items.quantity + EXCLUDED.quantity" : "EXCLUDED.quantity";
  const result = await tx.query<{ quantity: number }>(
    `INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, currency) VALUES ($1, $2, $6, $3, $5)
       ON CONFLICT (cart_id, variant_id) DO UPDATE
         SET quantity = ${quantity}, currency = EXCLUDED.currency, updated_at = now()
         WHERE ${quantity} <= $4
       RETURNING quantity`,
    [cartId, item.productId, item.quantity, limits.maxQuantity, item.currency, item.variantId],
  );
  return result.rows[0]?.quantity ?? "LINE_FULL";
}

/**
 * Sets the line of one variant to `quantity` units only when it holds at least that many (a line not for sale may
 * shrink, never grow); false when there is no such line or it holds fewer.
 */
export async function lowerCartItem(
  db: Queryable,
  cartId: string,
  variantId: string,
  quantity: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE cart_items SET quantity = $3, updated_at = now()
      WHERE cart_id = $1 AND variant_id = $2 AND quantity >= $3`,
    [cartId, variantId, quantity],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Removes the line of one variant (none is fine). */
export async function removeCartItem(db: Queryable, cartId: string, variantId: string): Promise<void> {
  await db.query("DELETE FROM cart_items WHERE cart_id = $1 AND variant_id = $2", [cartId, variantId]);
}

export async function clearCart(db: Queryable, cartId: string): Promise<void> {
  await db.query("DELETE FROM cart_items WHERE cart_id = $1", [cartId]);
}

/**
 * Takes the ordered quantities out of the cart (inside the transaction that stores the order). The cart rows are
 * locked in variant id order first; if any line now holds less than was ordered (a concurrent checkout or edit got
 * there first) nothing is taken and false is returned, so one cart never pays for two orders.
 */
export async function takeFromCart(tx: Queryable, cartId: string, lines: readonly VariantLine[]): Promise<boolean> {
  const variantIds = lines.map((line) => line.variantId);
  const locked = await tx.query<{ variantId: string; quantity: number }>(
    `SELECT variant_id AS "variantId", quantity FROM cart_items
      WHERE cart_id = $1 AND variant_id = ANY($2::uuid[])
      ORDER BY variant_id FOR UPDATE`,
    [cartId, variantIds],
  );
  const held = new Map(locked.rows.map((row) => [row.variantId, row.quantity]));
  if (lines.some((line) => (held.get(line.variantId) ?? 0) < line.quantity)) return false;
  await tx.query(
    `WITH taken AS (
       SELECT unnest($2::uuid[]) AS variant_id, unnest($3::int[]) AS quantity
     ), emptied AS (
       DELETE FROM cart_items c USING taken t
        WHERE c.cart_id = $1 AND c.variant_id = t.variant_id AND c.quantity = t.quantity
     )
     UPDATE cart_items c SET quantity = c.quantity - t.quantity, updated_at = now()
       FROM taken t
      WHERE c.cart_id = $1 AND c.variant_id = t.variant_id AND c.quantity > t.quantity`,
    [cartId, variantIds, lines.map((line) => line.quantity)],
  );
  return true;
}

/** Stores a new guest cart with this id under the token's hash, expiring ttlSeconds from now. */
export async function createGuestCart(db: Queryable, id: string, tokenHash: Buffer, ttlSeconds: number): Promise<void> {
  await db.query(
    "INSERT INTO guest_carts (id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))",
    [id, tokenHash, ttlSeconds],
  );
}

/** The id of the live (unexpired, unmerged) guest cart with this token hash. */
export async function findGuestCart(db: Queryable, tokenHash: Buffer): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(
    "SELECT id FROM guest_carts WHERE token_hash = $1 AND expires_at > now()",
    [tokenHash],
  );
  return result.rows[0]?.id;
}

/**
 * Moves a live guest cart's expiry to ttlSeconds from now and row-locks it until the transaction ends; its id, or
 * undefined when there is none (unknown, expired, or merged: a merge deletes the row under the same lock, so a write
 * that waited for it finds nothing and writes nothing).
 */
export async function touchGuestCart(
  tx: Queryable,
  tokenHash: Buffer,
  ttlSeconds: number,
): Promise<string | undefined> {
  const result = await tx.query<{ id: string }>(
    `UPDATE guest_carts SET expires_at = now() + make_interval(secs => $2)
      WHERE token_hash = $1 AND expires_at > now() RETURNING id`,
    [tokenHash, ttlSeconds],
  );
  return result.rows[0]?.id;
}

/**
 * Moves every line of the live guest cart with this token hash into the account's cart (units of a variant in both
 * add up) and deletes the guest cart, so its token is dead. Run it inside a transaction: the guest cart's row lock is
 * taken first (as every guest write takes it), then both carts' write locks in id order, so it cannot deadlock with a
 * write to either cart, and a write to the guest cart either lands before the merge (and is moved) or finds it gone.
 * All or nothing: when the merged cart would pass a limit (a line over maxQuantity units, more than maxProducts lines,
 * two currencies) nothing changes and the refusal is returned, the guest cart kept. "GUEST_CART_NOT_FOUND" when no live
 * guest cart has the hash; otherwise the number of lines moved.
 */
export async function mergeGuestCart(
  tx: Queryable,
  tokenHash: Buffer,
  accountId: string,
  limits: { maxQuantity: number; maxProducts: number },
): Promise<number | CartRefusal | "GUEST_CART_NOT_FOUND"> {
  const guest = await tx.query<{ id: string }>(
    "SELECT id FROM guest_carts WHERE token_hash = $1 AND expires_at > now() FOR UPDATE",
    [tokenHash],
  );
  const guestId = guest.rows[0]?.id;
  if (guestId === undefined) return "GUEST_CART_NOT_FOUND";
  for (const cartId of [guestId, accountId].sort()) await lockCart(tx, cartId);
  // The account's rows locked in variant order, as checkout's takeFromCart locks them.
  const lines = await tx.query<{ cartId: string; variantId: string; quantity: number; currency: string | null }>(
    `SELECT cart_id AS "cartId", variant_id AS "variantId", quantity, currency FROM cart_items
      WHERE cart_id = ANY($1::uuid[]) ORDER BY cart_id = $2, variant_id FOR UPDATE`,
    [[guestId, accountId], guestId],
  );
  const merged = new Map<string, number>();
  for (const line of lines.rows) merged.set(line.variantId, (merged.get(line.variantId) ?? 0) + line.quantity);
  const currencies = new Set(lines.rows.flatMap((line) => (line.currency === null ? [] : [line.currency])));
  if (currencies.size > 1) return "CURRENCY_MISMATCH";
  if (merged.size > limits.maxProducts) return "CART_FULL";
  if ([...merged.values()].some((quantity) => quantity > limits.maxQuantity)) return "LINE_FULL";
  await tx.query(
    `INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, currency, added_at)
     SELECT $2, product_id, variant_id, quantity, currency, added_at FROM cart_items WHERE cart_id = $1
     ON CONFLICT (cart_id, variant_id) DO UPDATE
       SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()`,
    [guestId, accountId],
  );
  const moved = await tx.query("DELETE FROM cart_items WHERE cart_id = $1", [guestId]);
  await tx.query("DELETE FROM guest_carts WHERE id = $1", [guestId]);
  return moved.rowCount ?? 0;
}

/**
 * Deletes up to `limit` expired guest carts with their lines, in one statement; rows another transaction holds (a
 * merge) are skipped. Returns how many carts were deleted.
 */
export async function deleteExpiredGuestCarts(db: Queryable, limit: number): Promise<number> {
  const result = await db.query(
    `WITH expired AS (
       SELECT id FROM guest_carts WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
     ), lines AS (
       DELETE FROM cart_items c USING expired e WHERE c.cart_id = e.id
     )
     DELETE FROM guest_carts g USING expired e WHERE g.id = e.id`,
    [limit],
  );
  return result.rowCount ?? 0;
}
