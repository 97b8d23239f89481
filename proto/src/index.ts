import { fileURLToPath } from "node:url";

/** Directory holding the .proto sources, for loaders that need the files themselves (server reflection, tests). */
export const protoRoot = fileURLToPath(new URL("..", import.meta.url));

/** The .proto file of each service, relative to protoRoot. */
export const protoFiles = {
  account: "polyscale/account/v1/account.proto",
  product: "polyscale/product/v1/product.proto",
  order: "polyscale/order/v1/order.proto",
} as const;
