import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, newId } from "@polyscale/platform";
import type { TestSystem } from "@polyscale/tools/test-shop";
import type { Services } from "./services.js";
import {
  type EdgeSystem,
  startEdgeSystem,
  expectCodedGraphQLErrors,
  expectCodedRestError,
  settledDigest,
} from "./test-edges.js";
import {
  edgeValues,
  encodable,
  graphQLFields,
  grpcMethods,
  hasText,
  operationOf,
  urlOf,
  type EdgeValues,
  type OpenApiDocument,
} from "./test-edges-values.js";
import { dataOf, type gatewayClients, type GraphQLAnswer } from "@polyscale/tools/testing";

/**
 * The property-based edge suite: generated values (huge, negative and fractional numbers, NaN and infinities, NUL and
 * lone surrogates, text in every script, any currency code) thrown at every GraphQL field, REST route and gRPC method
 * of the running system. The operations come from the contracts themselves (the SDL, /openapi.json, the gRPC service
 * definitions), so a new operation is covered without touching this file. Every answer is a success or a coded error
 * (never INTERNAL or a 5xx; a reason always, the field for bad input), and a request the suite makes invalid on purpose
 * (every text input holds NUL or a lone surrogate) is refused with nothing written in any database. The values and
 * the operations are test-edges-values.ts's; this file runs the properties.
 */

/** Runs per operation and property: the suite runs twice in CI, so it stays small. */
const RUNS = Number(process.env.EDGE_RUNS ?? 8);

let edges: EdgeSystem | undefined;
let shop: TestSystem;
let client: ReturnType<typeof gatewayClients>;
let grpc: Services;
let adminToken: string;
/**
 * The generators over ids of things that exist (a customer, a product, a category, an order: valid ids reach the rules
 * behind the edge) and the gateway's /openapi.json.
 */
let values: EdgeValues;

// ---- Checks ----

/** A gRPC call's outcome: a success, or an AppError that is coded, has a reason, and names the field of bad input. */
async function expectCodedGrpc(call: Promise<unknown>): Promise<"ok" | "refused"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const { code, reason, field, message } = error as AppError;
    expect(code, message).not.toBe("INTERNAL");
    expect(reason, message).toBeTypeOf("string");
    if (code === "INVALID_ARGUMENT") expect(field, message).toBeTypeOf("string");
    return "refused";
  }
}

/** Runs `property` with nothing written meanwhile: the databases hold the same rows after as before. */
async function writingNothing(property: () => Promise<void>): Promise<void> {
  const before = await settledDigest(shop.databaseUrls);
  await property();
  expect(await settledDigest(shop.databaseUrls)).toEqual(before);
}

/** Data, or errors that are all coded: nothing else may come back. */
function expectAnswered(answer: GraphQLAnswer, operation: string): void {
  expect(answer.status, operation).toBeLessThan(500);
  if (answer.errors) expectCodedGraphQLErrors(answer, operation);
  else expect(answer.data, operation).toBeTruthy();
}

// ---- The system ----

beforeAll(async () => {
  edges = await startEdgeSystem({
    ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "100000",
    LOGIN_FREE_ATTEMPTS_PER_ADDRESS: "100000",
  });
  ({ shop, client, grpc, adminToken } = edges);
  const customer = dataOf(
    await client.graphql<{ register: { accessToken: string; account: { id: string } } }>(
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken account { id } } }`,
      {
        input: { name: "Edge Case", email: `edge-${newId()}@edges.test`, password: "correct-horse-battery-9" },
      },
    ),
  ).register;
  const category = dataOf(
    await client.graphql<{ createCategory: { id: string } }>(
      `mutation { createCategory(input: { name: "Edges" }) { id } }`,
      {},
      adminToken,
    ),
  ).createCategory;
  const product = dataOf(
    await client.graphql<{ createProduct: { id: string } }>(
      `mutation($c: String) { createProduct(product: { name: "Edge", description: "", price: 5, stock: 1000, categoryId: $c }) { id } }`,
      { c: category.id },
      adminToken,
    ),
  ).createProduct;
  const order = dataOf(
    await client.graphql<{ createOrder: { id: string } }>(
      `mutation($order: OrderInput!) { createOrder(order: $order) { id } }`,
      { order: { accountId: customer.account.id, products: [{ id: product.id, quantity: 1 }] } },
      customer.accessToken,
    ),
  ).createOrder;
  const openApi = (await client.rest<OpenApiDocument>("GET", "/openapi.json")).body;
  values = edgeValues([customer.account.id, product.id, category.id, order.id], openApi);
});

afterAll(async () => {
  await edges?.stop();
});

describe("every edge, with generated values", () => {
  it("GraphQL: every query and mutation answers data or coded errors, whatever the arguments", async () => {
    for (const kind of ["query", "mutation"] as const) {
      for (const field of graphQLFields(kind)) {
        const operation = operationOf(kind, field);
        await fc.assert(
          fc.asyncProperty(values.variablesOf(field, false), async (variables) => {
            expectAnswered(await client.graphql(operation, variables, adminToken), operation);
          }),
          { numRuns: RUNS },
        );
      }
    }
  });

  it("GraphQL: a mutation with unstorable text is refused, coded with its field, and writes nothing", async () => {
    await writingNothing(async () => {
      for (const field of graphQLFields("mutation").filter((candidate) =>
        candidate.args.some((arg) => hasText(arg.type)),
      )) {
        const operation = operationOf("mutation", field);
        await fc.assert(
          fc.asyncProperty(values.variablesOf(field, true), async (variables) => {
            const answer = await client.graphql<Record<string, unknown>>(operation, variables, adminToken);
            const [error] = expectCodedGraphQLErrors(answer, operation);
            expect(answer.data?.[field.name] ?? null).toBeNull();
            expect(error!.extensions?.code, `${field.name}: ${error!.message}`).toBe("BAD_USER_INPUT");
          }),
          { numRuns: RUNS },
        );
      }
    });
  });

  it("REST: every route answers 2xx or a coded 4xx, whatever the parameters and body", async () => {
    // Without inputs a POST would only act (logout-all would end the suite's session): nothing to generate.
    const operations = values
      .restOperations()
      .filter((operation) => operation.method === "GET" || operation.parameters.length > 0 || operation.body);
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(values.restRequest(operation, false), async (request) => {
          const answer = await client.rest(operation.method, urlOf(operation, request), {
            token: adminToken,
            body: request.body,
          });
          if (answer.status >= 400) expectCodedRestError(answer);
          else expect(answer.status, `${operation.method} ${operation.path}`).toBeLessThan(300);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it("REST: a request with unstorable text is refused with a coded 4xx and writes nothing", async () => {
    const operations = values
      .restOperations()
      .filter(
        (operation) =>
          operation.parameters.some((parameter) => values.restHasText(parameter.schema)) ||
          values.restHasText(operation.body),
      );
    await writingNothing(async () => {
      for (const operation of operations) {
        await fc.assert(
          fc.asyncProperty(values.restRequest(operation, true), async (request) => {
            const answer = await client.rest(operation.method, urlOf(operation, request), {
              token: adminToken,
              body: request.body,
            });
            expectCodedRestError(answer);
          }),
          { numRuns: RUNS },
        );
      }
    });
  });

  it("gRPC: every unary method answers or refuses with a coded status, whatever the message", async () => {
    for (const { service, name, method } of grpcMethods()) {
      const call = (
        grpc[service] as unknown as Record<string, (request: unknown, context: unknown) => Promise<unknown>>
      )[name]!;
      await fc.assert(
        fc.asyncProperty(values.grpcRequest(method, false), async (request) => {
          fc.pre(encodable(method, request));
          await expectCodedGrpc(call(request, { accessToken: adminToken }));
        }),
        { numRuns: RUNS },
      );
    }
  });

  it("gRPC: a message with a NUL in its text is refused with a coded status and writes nothing", async () => {
    const methods = grpcMethods().filter(({ method }) =>
      Object.values(method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>).some(
        (value) => typeof value === "string",
      ),
    );
    await writingNothing(async () => {
      for (const { service, name, method } of methods) {
        const call = (
          grpc[service] as unknown as Record<string, (request: unknown, context: unknown) => Promise<unknown>>
        )[name]!;
        await fc.assert(
          fc.asyncProperty(values.grpcRequest(method, true), async (request) => {
            fc.pre(encodable(method, request));
            expect(await expectCodedGrpc(call(request, { accessToken: adminToken })), `${service}.${name}`).toBe(
              "refused",
            );
          }),
          { numRuns: RUNS },
        );
      }
    });
  });
});
