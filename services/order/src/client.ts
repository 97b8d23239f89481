import { OrderServiceService } from "@polyscale/proto/order/v1/order";
import { createGrpcClient, notFound, type AppError, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/order/v1/order";

/** The typed client that the gateway uses to call the order service. */
export type OrderClient = GrpcClient<typeof OrderServiceService>;

export function createOrderClient(options: { address: string; deadlineMs: number }): OrderClient {
  return createGrpcClient(OrderServiceService, { name: "order service", ...options });
}

// The not-found errors of the order service's entities, defined here, by the service that owns the rows, and used
// by it and the gateway alike, so one entity is refused in one wording wherever it is missing:
// "<entity> <id> does not exist". `field` is the request field that held the id, in the caller's own contract.

/**
 * NOT_FOUND ORDER_NOT_FOUND: "order <id> does not exist", naming `field`: the one answer for an order id that does
 * not exist and for another customer's order, from the order service and the gateway alike, so ids cannot be probed.
 */
export function orderNotFound(id: string, field: string): AppError {
  return notFound("ORDER_NOT_FOUND", `order ${id} does not exist`, field);
}

/**
 * NOT_FOUND CART_NOT_FOUND naming `field`: the one answer for a guest cart token never issued, expired or merged, so
 * none of them tells the others apart. The token is a guest's credential, so the message names the cart by it
 * without repeating it (messages reach logs).
 */
export function cartNotFound(field: string): AppError {
  return notFound(
    "CART_NOT_FOUND",
    "the cart of this token does not exist (unknown, expired, or merged at login)",
    field,
  );
}
