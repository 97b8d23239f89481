import { notFound, type AppError } from "@polyscale/platform";

/** What the jobs (catalog, variants, images, archiving, inventory) answer when the row a request names is missing. */

/** NOT_FOUND PRODUCT_NOT_FOUND for the product `id`, naming the request field that held it. */
export function productNotFound(id: string, field: string): AppError {
  return notFound("PRODUCT_NOT_FOUND", `product ${id} not found`, field);
}

/** NOT_FOUND VARIANT_NOT_FOUND for the variant `id`, naming the request field that held it. */
export function variantNotFound(id: string, field: string): AppError {
  return notFound("VARIANT_NOT_FOUND", `variant ${id} not found`, field);
}
