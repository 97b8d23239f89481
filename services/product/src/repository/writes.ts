/**
 * What catalog.ts and variants.ts write with, theirs alone (repository.ts leaves this file out): the stored form of a
 * product's attributes, the SET list of an update, and the insert of variant rows under a savepoint, a variant's SKU
 * and option values being unique (sql/220), so a violation comes back as an outcome, never as an error.
 */
import type { Queryable } from "@polyscale/platform";
import type { NewVariant, ProductAttribute, VariantWrite } from "../model.js";

/** Attributes as products.attributes stores them: one jsonb object, name → value. */
export function attributesJson(attributes: readonly ProductAttribute[]): string {
  return JSON.stringify(Object.fromEntries(attributes.map((attribute) => [attribute.name, attribute.value])));
}

/** The SET list and values of the fields that are set; values start at $2 ($1 is the row's id). */
export function assignments<Changes extends object>(
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
 * skuTaken names the first of `written`'s SKUs now taken and its index in `written` (so the caller names the variant of
 * the request at fault). undefined for any other error, which the caller rethrows.
 */
export async function refusal(
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
  const sku = taken.rows[0]?.sku ?? "";
  return {
    kind: "skuTaken",
    sku,
    index: Math.max(
      0,
      written.findIndex((variant) => variant.sku === sku),
    ),
  };
}

/**
 * Inserts variants at positions from `position` on, under a savepoint so that a unique violation (SKU, option values)
 * leaves the caller's transaction usable; returns which one refused, or undefined when all went in.
 */
export async function insertVariantRows(
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
