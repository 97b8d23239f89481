/** Products: insert (with their variants), update, read, list; emptying the catalogue; search's folding of terms. */
import type { Page, Queryable } from "@polyscale/platform";
import type { NewProduct, Product, ProductChanges, VariantWrite } from "../model.js";
import { productColumns, toProduct, type ProductRow } from "./rows.js";
import { updateVariant } from "./variants.js";
import { assignments, attributesJson, insertVariantRows } from "./writes.js";

/** Column of each changeable product field; the only names ever placed into UPDATE text. */
const CHANGEABLE_COLUMNS: Record<"name" | "description" | "categoryId" | "attributes", string> = {
  name: "name",
  description: "description",
  categoryId: "category_id",
  attributes: "attributes",
};

/**
 * Empties the catalogue (`npm run seed -- --reset`): products, variants, categories, reservations, the outbox, and
 * what is derived from the products, the browse counts (product_counts) and the spelling vocabulary (search_words).
 * TRUNCATE fires no row or statement triggers of the rows it removes, so derived tables must be emptied with it or
 * they keep counting products that are gone.
 */
export async function emptyCatalogue(db: Queryable): Promise<void> {
  await db.query(
    `TRUNCATE reservation_lines, reservations, event_outbox, product_variants, products, categories,
       product_counts, search_words`,
  );
}

/**
 * Stores a product with its variants (the first is the default: it takes the product's id) inside the caller's
 * transaction. `skuTaken` or `optionsTaken` when a unique constraint refuses a variant: the caller must roll back.
 */
export async function insertProduct(
  tx: Queryable,
  product: NewProduct,
): Promise<{ kind: "written"; product: Product } | Exclude<VariantWrite, { kind: "written" | "notFound" }>> {
  const [first] = product.variants;
  await tx.query(
    `INSERT INTO products (id, name, description, price_cents, currency, category_id, stock, attributes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    [
      product.id,
      product.name,
      product.description,
      first!.priceCents,
      first!.currency,
      product.categoryId,
      product.variants.reduce((sum, variant) => sum + variant.stock, 0),
      attributesJson(product.attributes),
    ],
  );
  const refused = await insertVariantRows(tx, product.id, product.variants, 0);
  return refused ?? { kind: "written", product: (await getProduct(tx, product.id))! };
}

/**
 * Applies the fields that are set (at least one must be); undefined when the product does not exist. A price or
 * currency is the default variant's (whose trigger copies it onto the product row).
 */
export async function updateProduct(db: Queryable, id: string, changes: ProductChanges): Promise<Product | undefined> {
  const { priceCents, currency, ...own } = changes;
  const set = assignments(own, CHANGEABLE_COLUMNS);
  const result = await db.query(
    `UPDATE products SET ${set.text ? `${set.text}, ` : ""}updated_at = now() WHERE id = $1`,
    [id, ...set.values],
  );
  if (result.rowCount === 0) return undefined;
  if (priceCents !== undefined || currency !== undefined) {
    // The default variant has the product's id.
    await updateVariant(db, id, { priceCents, currency });
  }
  return getProduct(db, id);
}

/**
 * The texts folded as search stores them (search_normalize: lower case, accents removed, by the unaccent dictionary),
 * in the order given: what products.option_keys holds for an option name or value typed so.
 */
export async function foldSearchTerms(db: Queryable, texts: readonly string[]): Promise<string[]> {
  const result = await db.query<{ folded: string }>(
    "SELECT search_normalize(text) AS folded FROM unnest($1::text[]) WITH ORDINALITY AS t (text, n) ORDER BY n",
    [texts],
  );
  return result.rows.map((row) => row.folded);
}

/** The product with this id, archived or not; undefined when there is none. */
export async function getProduct(db: Queryable, id: string): Promise<Product | undefined> {
  const result = await db.query<ProductRow>(`SELECT ${productColumns()} FROM products WHERE id = $1`, [id]);
  return result.rows[0] && toProduct(result.rows[0]);
}

/** The products that exist among ids, in the order of ids. */
export async function getProducts(db: Queryable, ids: readonly string[]): Promise<Product[]> {
  if (ids.length === 0) return [];
  const result = await db.query<ProductRow>(`SELECT ${productColumns()} FROM products WHERE id = ANY($1::uuid[])`, [
    ids,
  ]);
  const byId = new Map(result.rows.map((row) => [row.id, toProduct(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Products on sale (archived ones are left out), newest first; the id breaks ties so pages never overlap. */
export async function listProducts(db: Queryable, page: Page): Promise<Product[]> {
  const result = await db.query<ProductRow>(
    `SELECT ${productColumns()} FROM products WHERE archived_at IS NULL
     ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
    [page.take, page.skip],
  );
  return result.rows.map(toProduct);
}
