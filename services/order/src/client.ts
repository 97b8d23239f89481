import { OrderServiceService } from "@polyscale/proto/order/v1/order";
import { createGrpcClient, notFound, type AppError, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/order/v1/order";

/** The typed client that the gateway uses to call the order service. */
export type OrderClient = GrpcClient<typeof OrderServiceService>;

export function createOrderClient(options: { address: string; deadlineMs: number }): OrderClient {
  return createGrpcClient(OrderServiceService, { name: "order service", ...options });
}

/**
 * NOT_FOUND ORDER_NOT_FOUND (field `id`): the one answer for an order id that does not exist and for another
 * customer's order, from the order service and the gateway alike, so ids cannot be probed.
 */
export function orderNotFound(id: string): AppError {
  return notFound("ORDER_NOT_FOUND", `order ${id} does not exist`, "id");
}
