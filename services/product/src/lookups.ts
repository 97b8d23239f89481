import type { Queryable } from "@polyscale/platform";
import { categoryNotFound } from "./client.js";
import * as repository from "./repository.js";

/**
 * Reads that must find what they look for, shared by several jobs: a product's category (catalog.ts) and a new
 * category's parent (categories.ts).
 */

/** @throws AppError NOT_FOUND CATEGORY_NOT_FOUND naming field when no category has the (checked) id. */
export async function requireCategory(db: Queryable, id: string, field = "categoryId"): Promise<void> {
  if (!(await repository.categoryExists(db, id))) throw categoryNotFound(id, field);
}
