/**
 * What the Elasticsearch index is written from (search/indexer.ts, search/reindex.ts): products on sale with their
 * category's name, by id or in id order, the lock under which one product's state is written, and what changed while
 * a rebuild ran. The search engines' own queries are not here (search/postgres-*.ts): an engine is a store adapter of
 * its own.
 */
import type { Queryable } from "@polyscale/platform";
import type { Product } from "../model.js";

/** A product as the index is written from: its fields, its row's folded option keys (sql/220), its category's name. */
export type IndexedProductRow = Pick<
  Product,
  "id" | "name" | "description" | "priceCents" | "currency" | "categoryId" | "stock" | "createdAt"
> & { optionKeys: string[]; categoryName: string | null };

const INDEXED_PRODUCT_COLUMNS = `p.id, p.name, p.description, p.price_cents AS "priceCents", p.currency,
  p.category_id AS "categoryId", p.stock, p.created_at AS "createdAt", p.option_keys AS "optionKeys",
  c.name AS "categoryName"`;

// Any constant will do; it only has to be the same in every replica of the product service and in reindex.
const SEARCH_INDEX_LOCK_KEY = 727_002;

/**
 * Takes the search index lock until the transaction ends, so the indexer's and reindex's writes of one product never
 * cross (each reads a product's state and writes it under it).
 */
export async function lockSearchIndex(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [SEARCH_INDEX_LOCK_KEY]);
}

/** The products among these ids that are on sale (missing and archived ones are absent), in no order. */
export async function indexedProducts(db: Queryable, ids: string[]): Promise<IndexedProductRow[]> {
  const result = await db.query<IndexedProductRow>(
    `SELECT ${INDEXED_PRODUCT_COLUMNS}
       FROM products p LEFT JOIN categories c ON c.id = p.category_id
      WHERE p.id = ANY($1::uuid[]) AND p.archived_at IS NULL`,
    [ids],
  );
  return result.rows;
}

/**
 * Up to `limit` products on sale in id order after the id `after` (null: from the first): keyset pages, each starting
 * after the last id of the one before, however large the table.
 */
export async function indexedProductsAfter(
  db: Queryable,
  after: string | null,
  limit: number,
): Promise<IndexedProductRow[]> {
  const result = await db.query<IndexedProductRow>(
    `SELECT ${INDEXED_PRODUCT_COLUMNS}
       FROM products p LEFT JOIN categories c ON c.id = p.category_id
      WHERE ($1::uuid IS NULL OR p.id > $1::uuid) AND p.archived_at IS NULL
      ORDER BY p.id
      LIMIT $2`,
    [after, limit],
  );
  return result.rows;
}

/** How many products are on sale (not archived). */
export async function countProductsOnSale(db: Queryable): Promise<number> {
  const result = await db.query<{ count: number }>(
    "SELECT count(*)::int8 AS count FROM products WHERE archived_at IS NULL",
  );
  return result.rows[0]!.count;
}

/**
 * The instant to pass productIdsChangedSince once a rebuild is done: the database's clock a minute before now, the
 * margin because a change committed later may carry an earlier updated_at (its transaction's start time).
 */
export async function changesMark(db: Queryable): Promise<Date> {
  const result = await db.query<{ since: Date }>("SELECT now() - interval '1 minute' AS since");
  return result.rows[0]!.since;
}

/** The ids of products created or updated at or after `since` (archived ones included: the index must drop them). */
export async function productIdsChangedSince(db: Queryable, since: Date): Promise<string[]> {
  const result = await db.query<{ id: string }>("SELECT id FROM products WHERE updated_at >= $1 OR created_at >= $1", [
    since,
  ]);
  return result.rows.map((row) => row.id);
}
