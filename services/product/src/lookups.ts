import { requireId, type Queryable } from "@polyscale/platform";
import { categoryNotFound } from "./client.js";
import * as repository from "./repository.js";

/**
 * Reads that must find what they look for, shared by several jobs: a product's category (catalog.ts) and a new
 * category's parent (categories.ts).
 */

/**
 * That the category exists: INVALID_ARGUMENT on a malformed id, NOT_FOUND CATEGORY_NOT_FOUND without one, both naming
 * `field` (`categoryId` unless the request calls it otherwise, as a new category's `parentId`).
 */
export async function requireCategory(db: Queryable, id: string, field = "categoryId"): Promise<void> {
  if (!(await repository.categoryExists(db, requireId(field, id)))) throw categoryNotFound(id, field);
}
