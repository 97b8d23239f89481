/** A product's images: one ordered list on the product row (products.images). */
import type { Queryable } from "@polyscale/platform";
import type { Product } from "../model.js";
import { getProduct } from "./catalog.js";
import type { StoredImage } from "./rows.js";

/**
 * Replaces the product's images with these, in this order (variantId kept only on an image of one variant);
 * undefined when the product does not exist.
 */
export async function setImages(
  tx: Queryable,
  id: string,
  images: readonly { url: string; alt: string; variantId: string | null }[],
): Promise<Product | undefined> {
  const stored = images.map(({ url, alt, variantId }): StoredImage =>
    variantId ? { url, alt, variantId } : { url, alt },
  );
  const updated = await tx.query("UPDATE products SET images = $2::jsonb, updated_at = now() WHERE id = $1", [
    id,
    JSON.stringify(stored),
  ]);
  return updated.rowCount === 1 ? getProduct(tx, id) : undefined;
}
