import { ProductServiceService } from "@polyscale/proto/product/v1/product";
import { createGrpcClient, notFound, type AppError, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/product/v1/product";

/** The typed client that the gateway and other services use to call the product service. */
export type ProductClient = GrpcClient<typeof ProductServiceService>;

export function createProductClient(options: { address: string; deadlineMs: number }): ProductClient {
  return createGrpcClient(ProductServiceService, { name: "product service", ...options });
}

// The not-found errors of the product service's entities, defined here, by the service that owns the rows, and used
// by it, the order service and the gateway alike, so one entity is refused in one wording wherever it is missing:
// "<entity> <id> does not exist". `field` is the request field that held the id, in the caller's own contract.

/** NOT_FOUND PRODUCT_NOT_FOUND: "product <id> does not exist", naming `field`. */
export function productNotFound(id: string, field: string): AppError {
  return notFound("PRODUCT_NOT_FOUND", `product ${id} does not exist`, field);
}

/**
 * NOT_FOUND VARIANT_NOT_FOUND, naming `field`: "variant <id> of product <productId> does not exist" when the request
 * named the product it looked in (the variant may be another product's), else "variant <id> does not exist".
 */
export function variantNotFound(id: string, field: string, productId?: string): AppError {
  const variant = productId === undefined ? `variant ${id}` : `variant ${id} of product ${productId}`;
  return notFound("VARIANT_NOT_FOUND", `${variant} does not exist`, field);
}

/** NOT_FOUND CATEGORY_NOT_FOUND: "category <id> does not exist", naming `field`. */
export function categoryNotFound(id: string, field: string): AppError {
  return notFound("CATEGORY_NOT_FOUND", `category ${id} does not exist`, field);
}

/** NOT_FOUND RESERVATION_NOT_FOUND: "reservation of order <orderId> does not exist", naming `field`. */
export function reservationNotFound(orderId: string, field: string): AppError {
  return notFound("RESERVATION_NOT_FOUND", `reservation of order ${orderId} does not exist`, field);
}
