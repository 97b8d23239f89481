/**
 * A product's variants: default variants for bulk-inserted products, adding, updating and reading one; a variant's SKU
 * and option values are unique (sql/220), and a violation comes back as an outcome under a savepoint, never as an error.
 */
import type { Queryable } from "@polyscale/platform";
import type { NewVariant, Variant, VariantChanges, VariantWrite } from "../model.js";
import { toImages, toVariant, VARIANT_JSON, type StoredImage, type VariantJson } from "./rows.js";
import { assignments, insertVariantRows, refusal } from "./writes.js";

/** Column of each changeable variant field; the only names ever placed into UPDATE text. */
const CHANGEABLE_VARIANT_COLUMNS: Record<keyof VariantChanges, string> = {
  sku: "sku",
  options: "options",
  priceCents: "price_cents",
  currency: "currency",
};

/**
 * Gives products inserted in bulk (by the seed command and storage tests, without variants) their default variants:
 * the product's id, price, currency and stock, its id as SKU, as sql/220_product_variants.sql did for existing ones.
 * Of the given products, or without productIds, of every product that has none.
 */
export async function insertDefaultVariants(db: Queryable, productIds?: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO product_variants (id, product_id, position, sku, price_cents, currency, stock, created_at, updated_at)
     SELECT id, id, 0, upper(id::text), price_cents, currency, stock, created_at, updated_at
     FROM products p
     WHERE ($1::uuid[] IS NULL OR p.id = ANY($1::uuid[]))
       AND NOT EXISTS (SELECT 1 FROM product_variants v WHERE v.product_id = p.id)`,
    [productIds ?? null],
  );
}

/**
 * Adds a variant after the product's others, its stock added to the product's; the product row is locked first, so
 * concurrent additions take positions one after another.
 */
export async function insertVariant(
  tx: Queryable,
  productId: string,
  variant: NewVariant & { id: string },
): Promise<VariantWrite> {
  const locked = await tx.query<{ next: number }>(
    `SELECT (SELECT max(position) + 1 FROM product_variants WHERE product_id = p.id) AS next
       FROM products p WHERE p.id = $1`,
    [productId],
  );
  const position = locked.rows[0]?.next;
  if (position === undefined) return { kind: "notFound" };
  const refused = await insertVariantRows(tx, productId, [variant], position);
  if (refused) return refused;
  await tx.query("UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1", [
    productId,
    variant.stock,
  ]);
  return { kind: "written", variant: (await getVariant(tx, variant.id))! };
}

/**
 * Locks the product's row (as adding or changing a variant, or its attributes, does first, so two such writes check
 * one after the other) and reads what its variants and attributes name, folded as search folds them: `reference`, the
 * option names of its first variant by position other than `exceptVariantId` and than a default naming none (null
 * when there is no such variant), and its attributes' names. undefined when the product does not exist.
 */
export async function lockOptionNames(
  tx: Queryable,
  productId: string,
  exceptVariantId?: string,
): Promise<{ reference: string[] | null; attributeNames: string[] } | undefined> {
  // The lock first, in a statement of its own: a read in the locking statement would see the variants as they were
  // when it started, before a write it waited for committed (READ COMMITTED re-reads only the locked row).
  const locked = await tx.query("SELECT 1 FROM products WHERE id = $1 FOR NO KEY UPDATE", [productId]);
  if (locked.rowCount === 0) return undefined;
  const result = await tx.query<{ reference: string[] | null; attribute_names: string[] }>(
    `SELECT (SELECT ARRAY(SELECT search_normalize(o ->> 'name') FROM jsonb_array_elements(v.options) AS o)
               FROM product_variants v
              WHERE v.product_id = p.id AND v.id IS DISTINCT FROM $2::uuid
                AND NOT (v.position = 0 AND v.options = '[]'::jsonb)
              ORDER BY v.position LIMIT 1) AS reference,
            ARRAY(SELECT search_normalize(name) FROM jsonb_object_keys(p.attributes) AS name) AS attribute_names
       FROM products p WHERE p.id = $1`,
    [productId, exceptVariantId ?? null],
  );
  const row = result.rows[0]!;
  return { reference: row.reference, attributeNames: row.attribute_names };
}

/** Applies the fields that are set (at least one must be); the trigger of sql/220 updates the product row. */
export async function updateVariant(tx: Queryable, id: string, changes: VariantChanges): Promise<VariantWrite> {
  const set = assignments(changes, CHANGEABLE_VARIANT_COLUMNS);
  // The product's row first, as every stock change locks it before its variants (changeStock).
  await tx.query(
    "SELECT 1 FROM products WHERE id = (SELECT product_id FROM product_variants WHERE id = $1) FOR NO KEY UPDATE",
    [id],
  );
  await tx.query("SAVEPOINT update_variant");
  let updated: number | null;
  try {
    updated = (
      await tx.query(`UPDATE product_variants SET ${set.text}, updated_at = now() WHERE id = $1`, [id, ...set.values])
    ).rowCount;
  } catch (error) {
    const refused = await refusal(tx, "update_variant", error, changes.sku === undefined ? [] : [changes]);
    if (refused) return refused;
    throw error;
  }
  await tx.query("RELEASE SAVEPOINT update_variant");
  if (updated === 0) return { kind: "notFound" };
  return { kind: "written", variant: (await getVariant(tx, id))! };
}

/** The variant with this id, archived or not, with the images that name it; undefined when there is none. */
export async function getVariant(db: Queryable, id: string): Promise<Variant | undefined> {
  const result = await db.query<{ variant: VariantJson; images: StoredImage[] }>(
    `SELECT ${VARIANT_JSON} AS variant, p.images
       FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row && toVariant(row.variant, toImages(row.images));
}
