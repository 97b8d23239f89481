/**
 * Products and their variants: insert, update, read, list, images, archiving; a variant's SKU and option values are
 * unique (sql/220), and a violation comes back as an outcome under a savepoint, never as an error.
 */
import type { Page, Queryable } from "@polyscale/platform";
import type {
  ArchiveChange,
  NewProduct,
  NewVariant,
  Product,
  ProductAttribute,
  ProductChanges,
  Variant,
  VariantArchiveChange,
  VariantChanges,
  VariantWrite,
} from "../model.js";
import {
  productColumns,
  toImages,
  toProduct,
  toVariant,
  VARIANT_JSON,
  type ProductRow,
  type StoredImage,
  type VariantJson,
} from "./rows.js";

/** Column of each changeable product field; the only names ever placed into UPDATE text. */
const CHANGEABLE_COLUMNS: Record<"name" | "description" | "categoryId" | "attributes", string> = {
  name: "name",
  description: "description",
  categoryId: "category_id",
  attributes: "attributes",
};

/** Column of each changeable variant field; the only names ever placed into UPDATE text. */
const CHANGEABLE_VARIANT_COLUMNS: Record<keyof VariantChanges, string> = {
  sku: "sku",
  options: "options",
  priceCents: "price_cents",
  currency: "currency",
};

/** Attributes as products.attributes stores them: one jsonb object, name → value. */
function attributesJson(attributes: readonly ProductAttribute[]): string {
  return JSON.stringify(Object.fromEntries(attributes.map((attribute) => [attribute.name, attribute.value])));
}

/** The SET list and values of the fields that are set; values start at $2 ($1 is the row's id). */
function assignments<Changes extends object>(
  changes: Changes,
  columns: Record<keyof Changes, string>,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const set: string[] = [];
  for (const field of Object.keys(columns) as Array<keyof Changes>) {
    if (changes[field] === undefined) continue;
    const value = changes[field];
    values.push(
      field === "options"
        ? JSON.stringify(value)
        : field === "attributes"
          ? attributesJson(value as readonly ProductAttribute[])
          : value,
    );
    set.push(`${columns[field]} = $${values.length + 1}`);
  }
  return { text: set.join(", "), values };
}

/** The unique constraints of a variant's SKU and of its option values within its product (sql/220). */
const SKU_KEY = "product_variants_sku_key";
const OPTIONS_KEY = "product_variants_options_key";

/**
 * The outcome of a unique violation (23505) of a variant's SKU or option values, after rolling back to `savepoint`:
 * skuTaken names the first of `written`'s SKUs now taken. undefined for any other error, which the caller rethrows.
 */
async function refusal(
  tx: Queryable,
  savepoint: string,
  error: unknown,
  written: ReadonlyArray<{ sku?: string }>,
): Promise<Exclude<VariantWrite, { kind: "written" | "notFound" }> | undefined> {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (code !== "23505" || (constraint !== SKU_KEY && constraint !== OPTIONS_KEY)) return undefined;
  await tx.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
  if (constraint === OPTIONS_KEY) return { kind: "optionsTaken" };
  const taken = await tx.query<{ sku: string }>(
    "SELECT sku FROM product_variants WHERE sku = ANY($1::text[]) LIMIT 1",
    [written.map((variant) => variant.sku)],
  );
  return { kind: "skuTaken", sku: taken.rows[0]?.sku ?? "" };
}

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
 * Inserts variants at positions from `position` on, under a savepoint so that a unique violation (SKU, option values)
 * leaves the caller's transaction usable; returns which one refused, or undefined when all went in.
 */
async function insertVariantRows(
  tx: Queryable,
  productId: string,
  variants: ReadonlyArray<NewVariant & { id: string }>,
  position: number,
): Promise<Exclude<VariantWrite, { kind: "written" | "notFound" }> | undefined> {
  await tx.query("SAVEPOINT insert_variants");
  try {
    await tx.query(
      `INSERT INTO product_variants (id, product_id, position, sku, options, price_cents, currency, stock)
       SELECT id, $1, $2 + ordinality - 1, sku, options::jsonb, price_cents, currency, stock
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::bigint[])
              WITH ORDINALITY AS v (id, sku, options, price_cents, currency, stock, ordinality)`,
      [
        productId,
        position,
        variants.map((variant) => variant.id),
        variants.map((variant) => variant.sku),
        variants.map((variant) => JSON.stringify(variant.options)),
        variants.map((variant) => variant.priceCents),
        variants.map((variant) => variant.currency),
        variants.map((variant) => variant.stock),
      ],
    );
  } catch (error) {
    const refused = await refusal(tx, "insert_variants", error, variants);
    if (refused) return refused;
    throw error;
  }
  await tx.query("RELEASE SAVEPOINT insert_variants");
  return undefined;
}

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
       FROM products p WHERE p.id = $1 FOR NO KEY UPDATE`,
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

export async function getVariant(db: Queryable, id: string): Promise<Variant | undefined> {
  const result = await db.query<{ variant: VariantJson; images: StoredImage[] }>(
    `SELECT ${VARIANT_JSON} AS variant, p.images
       FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row && toVariant(row.variant, toImages(row.images));
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
