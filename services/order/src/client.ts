import { OrderServiceService } from "@polyscale/proto/order/v1/order";
import { createGrpcClient, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/order/v1/order";

/** The typed client that the gateway uses to call the order service. */
export type OrderClient = GrpcClient<typeof OrderServiceService>;

export function createOrderClient(options: { address: string; deadlineMs: number }): OrderClient {
  return createGrpcClient(OrderServiceService, { name: "order service", ...options });
}
