import { ProductServiceService } from "@polyscale/proto/product/v1/product";
import { createGrpcClient, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/product/v1/product";

/** The typed client that the gateway and other services use to call the product service. */
export type ProductClient = GrpcClient<typeof ProductServiceService>;

export function createProductClient(options: { address: string; deadlineMs: number }): ProductClient {
  return createGrpcClient(ProductServiceService, { name: "product service", ...options });
}
