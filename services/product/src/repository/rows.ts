/** The products row as the catalogue and the PostgreSQL search engine select it and map it to a Product. */
import type { Product, ProductImage, Variant } from "../model.js";

/** A products row as node-postgres returns it; productColumns selects it, toProduct maps it. */
export interface ProductRow {
  id: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  category_id: string | null;
  stock: number;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  images: StoredImage[];
  /** The stored jsonb object, name → value. */
  attributes: Record<string, string>;
  /** json_agg of the variants by position (variantsOf); their times are ISO strings. */
  variants: VariantJson[];
}

/** An image as products.images stores it, in position order; variantId only on an image of one variant. */
export interface StoredImage {
  url: string;
  alt: string;
  variantId?: string;
}

/** The stored images as a product lists them: positions from 0, variantId null for the product's own. */
export function toImages(stored: readonly StoredImage[]): ProductImage[] {
  return stored.map((image, position) => ({
    url: image.url,
    alt: image.alt,
    position,
    variantId: image.variantId ?? null,
  }));
}

/** A variant as VARIANT_JSON builds it: its times are ISO strings (archivedAt null while on sale). */
export type VariantJson = Omit<Variant, "createdAt" | "updatedAt" | "archivedAt" | "images"> & {
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
};

/** The json object of the product_variants row `v`, read back by toVariant. */
export const VARIANT_JSON = `json_build_object('id', v.id, 'productId', v.product_id, 'sku', v.sku,
      'options', v.options, 'priceCents', v.price_cents, 'currency', v.currency, 'stock', v.stock,
      'position', v.position, 'createdAt', v.created_at, 'updatedAt', v.updated_at, 'archivedAt', v.archived_at)`;

/** A variant with its product's images that name it (productImages: the product's, toImages). */
export function toVariant(json: VariantJson, productImages: readonly ProductImage[]): Variant {
  return {
    ...json,
    createdAt: new Date(json.createdAt),
    updatedAt: new Date(json.updatedAt),
    archivedAt: json.archivedAt === null ? null : new Date(json.archivedAt),
    images: productImages.filter((image) => image.variantId === json.id),
  };
}

const PRODUCT_FIELDS = [
  "id",
  "name",
  "description",
  "price_cents",
  "currency",
  "category_id",
  "stock",
  "created_at",
  "updated_at",
  "archived_at",
  "images",
  "attributes",
] as const;

/** The variants of the product row `table` as one json column, by position. */
function variantsOf(table: string): string {
  return `(SELECT json_agg(${VARIANT_JSON} ORDER BY v.position)
    FROM product_variants v WHERE v.product_id = ${table}.id) AS variants`;
}

/** The select list of a ProductRow from the products row named `table` (its table name or alias). */
export function productColumns(table = "products"): string {
  return `${PRODUCT_FIELDS.map((field) => `${table}.${field}`).join(", ")}, ${variantsOf(table)}`;
}

export function toProduct(row: ProductRow): Product {
  const images = toImages(row.images);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    currency: row.currency,
    categoryId: row.category_id,
    stock: row.stock,
    variants: row.variants.map((variant) => toVariant(variant, images)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    images,
    attributes: Object.entries(row.attributes)
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
