/** Archiving and restoring products and variants, under the product's row lock as every stock change takes it. */
import type { Queryable } from "@polyscale/platform";
import type { ArchiveChange, VariantArchiveChange } from "../model.js";
import { getProduct } from "./catalog.js";
import { getVariant } from "./variants.js";

/**
 * Archives (archived true: archived_at set to now) or restores (archived_at cleared) a product, locking its row, so a
 * reservation's stock statement waiting for that lock sees the new state. A product already in the asked state is
 * returned unchanged (changed false). undefined when the product does not exist.
 */
export async function setArchived(tx: Queryable, id: string, archived: boolean): Promise<ArchiveChange | undefined> {
  const updated = await tx.query(
    `UPDATE products SET archived_at = CASE WHEN $2 THEN now() END, updated_at = now()
     WHERE id = $1 AND (archived_at IS NOT NULL) <> $2`,
    [id, archived],
  );
  const product = await getProduct(tx, id);
  return product && { product, changed: updated.rowCount === 1 };
}

/**
 * Archives (archived_at set to now) or restores (cleared) a variant, under its product's row lock, taken first as
 * every stock change takes it, so a reservation's statement waiting for that lock sees the new state. The product's
 * stock loses (or regains) the variant's units, and the trigger of sql/250 its option keys and listed price.
 * `lastOnSale` when it is the product's only variant on sale (nothing written); a variant already in the asked state
 * comes back unchanged (changed false); `notFound` when there is no such variant.
 */
export async function setVariantArchived(tx: Queryable, id: string, archived: boolean): Promise<VariantArchiveChange> {
  const locked = await tx.query<{ id: string }>(
    "SELECT id FROM products WHERE id = (SELECT product_id FROM product_variants WHERE id = $1) FOR NO KEY UPDATE",
    [id],
  );
  const productId = locked.rows[0]?.id;
  if (productId === undefined) return { kind: "notFound" };
  // Read after the lock, by statements of their own: an archive of the product's other variant has committed or
  // waits behind this one, so two concurrent archives cannot both leave the product nothing on sale.
  const current = (await getVariant(tx, id))!;
  const changed = (current.archivedAt !== null) !== archived;
  if (changed && archived) {
    const onSale = await tx.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM product_variants WHERE product_id = $1 AND archived_at IS NULL",
      [productId],
    );
    if (onSale.rows[0]!.count <= 1) return { kind: "lastOnSale", product: (await getProduct(tx, productId))! };
  }
  if (changed) {
    await tx.query(
      `UPDATE product_variants SET archived_at = CASE WHEN $2 THEN now() END, updated_at = now() WHERE id = $1`,
      [id, archived],
    );
    await tx.query("UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1", [
      productId,
      archived ? -current.stock : current.stock,
    ]);
  }
  return {
    kind: "done",
    product: (await getProduct(tx, productId))!,
    variant: changed ? (await getVariant(tx, id))! : current,
    changed,
  };
}
