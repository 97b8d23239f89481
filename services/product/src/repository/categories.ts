/** Categories: a flat table with an optional parent, slugs unique. */
import type { Queryable } from "@polyscale/platform";
import type { Category } from "../model.js";

interface CategoryRow {
  id: string;
  name: string;
  slug: string;
  parent_id: string | null;
}

function toCategory(row: CategoryRow): Category {
  return { id: row.id, name: row.name, slug: row.slug, parentId: row.parent_id };
}

/** Stores a category; undefined when its slug is taken (the unique constraint decides, so concurrent ones agree). */
export async function insertCategory(db: Queryable, category: Category): Promise<Category | undefined> {
  const result = await db.query<CategoryRow>(
    `INSERT INTO categories (id, name, slug, parent_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT ON CONSTRAINT categories_slug_key DO NOTHING
     RETURNING id, name, slug, parent_id`,
    [category.id, category.name, category.slug, category.parentId],
  );
  return result.rows[0] && toCategory(result.rows[0]);
}

export async function categoryExists(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query("SELECT 1 FROM categories WHERE id = $1", [id]);
  return result.rowCount === 1;
}

export async function listCategories(db: Queryable): Promise<Category[]> {
  const result = await db.query<CategoryRow>("SELECT id, name, slug, parent_id FROM categories ORDER BY name, id");
  return result.rows.map(toCategory);
}
