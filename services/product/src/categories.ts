import { alreadyExists, invalidArgument, newId, requireId, requireText, type Database } from "@polyscale/platform";
import slugify from "@sindresorhus/slugify";
import { requireCategory } from "./lookups.js";
import type { Category } from "./model.js";
import * as repository from "./repository.js";

const MAX_CATEGORY_NAME_LENGTH = 100;
const MAX_SLUG_LENGTH = 100;
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface CreateCategoryInput {
  name: string;
  /** Empty means derived from the name. */
  slug: string;
  /** Empty means a top-level category. */
  parentId: string;
}

export interface CategoryServiceOptions {
  database: Database;
}

/** The category tree: creating a category (its slug unique) and listing them. */
export class CategoryService {
  private readonly database: Database;

  constructor(options: CategoryServiceOptions) {
    this.database = options.database;
  }

  /**
   * A category under parentId (or top-level), its slug given or derived from the name (slugFromName). INVALID_ARGUMENT
   * naming name, slug or parentId; NOT_FOUND CATEGORY_NOT_FOUND (parentId); ALREADY_EXISTS SLUG_TAKEN (slug).
   */
  async createCategory(input: CreateCategoryInput): Promise<Category> {
    const name = requireText("name", input.name, { max: MAX_CATEGORY_NAME_LENGTH });
    const id = newId();
    const slug = input.slug.trim() === "" ? slugFromName(name) || id : input.slug.trim();
    if (slug.length > MAX_SLUG_LENGTH || !SLUG_PATTERN.test(slug)) {
      throw invalidArgument("slug", "must be lowercase letters and digits in words joined by hyphens");
    }
    const parentId = input.parentId === "" ? null : requireId("parentId", input.parentId);
    if (parentId !== null) await requireCategory(this.database, parentId, "parentId");
    const category = await repository.insertCategory(this.database, { id, name, slug, parentId });
    if (!category) throw alreadyExists("SLUG_TAKEN", `a category with slug "${slug}" already exists`, "slug");
    return category;
  }

  async listCategories(): Promise<Category[]> {
    return repository.listCategories(this.database);
  }
}

/**
 * The slug of a category name, by @sindresorhus/slugify's transliteration: "Garden & Outdoor" → "garden-and-outdoor",
 * "Обувь" → "obuv", "Straße" → "strasse". A name it cannot transliterate (Chinese, Hebrew, only symbols) gives "";
 * its category then takes its own id as slug, which is valid and unique. The name is NFKC-normalised first, so that
 * compatibility forms reach the transliteration as the letters they stand for: "ǅungla" → "dzungla", "Ｆｕｌｌ" → "full".
 */
export function slugFromName(name: string): string {
  // Not decamelized: "Æble" is one word ("aeble"), as "iPhone" is ("iphone").
  return slugify(name.normalize("NFKC"), { decamelize: false }).slice(0, MAX_SLUG_LENGTH).replace(/-+$/, "");
}
