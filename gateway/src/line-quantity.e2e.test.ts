import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, LIMITS } from "@polyscale/platform";
import type { Services } from "./services.js";
import {
  type EdgeSystem,
  startEdgeSystem,
  expectCodedGraphQLErrors,
  expectCodedRestError,
  settledDigest,
} from "./test-edges.js";
import { dataOf, type gatewayClients } from "@polyscale/tools/testing";

/**
 * An order line's quantity has one rule, in the order service that owns order lines (1 to LIMITS.lineQuantity units,
 * `requireLineQuantity`); the edges only check its shape. So the same bad quantity gets the same refusal (reason,
 * field and message) through GraphQL, REST and gRPC, and nothing is written.
 */

let edges: EdgeSystem | undefined;
let client: ReturnType<typeof gatewayClients>;
let grpc: Services;
let adminToken: string;

const unique = () => Math.random().toString(36).slice(2, 10);

interface Refusal {
  reason: string;
  field: string | undefined;
  message: string;
}

beforeAll(async () => {
  edges = await startEdgeSystem({ ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "1000" });
  ({ client, grpc, adminToken } = edges);
});

afterAll(async () => {
  await edges?.stop();
});

async function register(): Promise<{ id: string; token: string }> {
  const data = dataOf(
    await client.graphql<{ register: { accessToken: string; account: { id: string } } }>(
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken account { id } } }`,
      { input: { name: "Line Tester", email: `line-${unique()}@quantity.test`, password: "correct-horse-battery-9" } },
    ),
  );
  return { id: data.register.account.id, token: data.register.accessToken };
}

async function grpcRefusal(call: Promise<unknown>): Promise<Refusal & { code: string }> {
  const error: unknown = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  const { code, reason, field, message } = error as AppError;
  return { code, reason, field, message };
}

describe("an order line's quantity, one rule at every edge", () => {
  it.each([0, -1, LIMITS.lineQuantity + 1])(
    "refuses quantity %i alike through GraphQL, REST and gRPC, writing nothing",
    async (quantity) => {
      const customer = await register();
      const product = dataOf(
        await client.graphql<{ createProduct: { id: string } }>(
          `mutation($product: ProductInput!) { createProduct(product: $product) { id } }`,
          { product: { name: `Lantern ${unique()}`, description: "", price: 5, stock: 10_000 } },
          adminToken,
        ),
      ).createProduct;
      const before = await settledDigest(edges!.shop.databaseUrls);

      const graphql = expectCodedGraphQLErrors(
        await client.graphql(
          `mutation($order: OrderInput!) { createOrder(order: $order) { id } }`,
          { order: { accountId: customer.id, products: [{ id: product.id, quantity }] } },
          customer.token,
        ),
      )[0]!;
      const rest = expectCodedRestError(
        await client.rest("POST", "/order", {
          token: customer.token,
          body: { accountId: customer.id, lines: [{ productId: product.id, quantity }] },
        }),
      ) as Refusal & { code: string };
      const placeOrder = await grpcRefusal(
        grpc.order.placeOrder(
          { accountId: customer.id, lines: [{ productId: product.id, quantity }], idempotencyKey: "" },
          { accessToken: customer.token },
        ),
      );
      const addToCart = expectCodedGraphQLErrors(
        await client.graphql(
          `mutation($p: String!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalCents } }`,
          { p: product.id, q: quantity },
          customer.token,
        ),
      )[0]!;
      const addCartItem = await grpcRefusal(
        grpc.order.addCartItem(
          { accountId: customer.id, productId: product.id, quantity },
          { accessToken: customer.token },
        ),
      );

      const expected: Refusal = {
        reason: quantity < 1 ? "INVALID_INPUT" : "LIMIT_EXCEEDED",
        field: "quantity",
        message: placeOrder.message,
      };
      expect(placeOrder).toEqual({ code: "INVALID_ARGUMENT", ...expected });
      expect(addCartItem).toEqual({ code: "INVALID_ARGUMENT", ...expected });
      expect({ code: rest.code, reason: rest.reason, field: rest.field, message: rest.message }).toEqual({
        code: "BAD_USER_INPUT",
        ...expected,
      });
      for (const error of [graphql, addToCart]) {
        expect({ ...error.extensions, message: error.message }).toEqual({ code: "BAD_USER_INPUT", ...expected });
      }
      expect(await settledDigest(edges!.shop.databaseUrls)).toEqual(before);
    },
  );

  it("refuses an order without lines alike through GraphQL, REST and gRPC", async () => {
    const customer = await register();
    const graphql = expectCodedGraphQLErrors(
      await client.graphql(
        `mutation($order: OrderInput!) { createOrder(order: $order) { id } }`,
        { order: { accountId: customer.id, products: [] } },
        customer.token,
      ),
    )[0]!;
    const rest = expectCodedRestError(
      await client.rest("POST", "/order", { token: customer.token, body: { accountId: customer.id, lines: [] } }),
    ) as Refusal & { code: string };
    const placeOrder = await grpcRefusal(
      grpc.order.placeOrder({ accountId: customer.id, lines: [], idempotencyKey: "" }, { accessToken: customer.token }),
    );

    const expected: Refusal = {
      reason: "INVALID_INPUT",
      field: "lines",
      message: "lines: must hold at least one line",
    };
    expect(placeOrder).toEqual({ code: "INVALID_ARGUMENT", ...expected });
    expect({ code: rest.code, reason: rest.reason, field: rest.field, message: rest.message }).toEqual({
      code: "BAD_USER_INPUT",
      ...expected,
    });
    // One rule and reason; GraphQL names the lines by its own argument, OrderInput.products (Go-compatible).
    expect({ ...graphql.extensions, message: graphql.message }).toEqual({
      code: "BAD_USER_INPUT",
      reason: "INVALID_INPUT",
      field: "products",
      message: "products: must hold at least one line",
    });
  });
});
