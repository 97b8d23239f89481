import fc from "fast-check";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountServiceService } from "@polyscale/proto/account/v1/account";
import { OrderServiceService } from "@polyscale/proto/order/v1/order";
import { ProductServiceService } from "@polyscale/proto/product/v1/product";
import { AppError, newId } from "@polyscale/platform";
import type { TestSystem } from "@polyscale/tools/test-shop";
import { loadTypeDefs } from "./graphql/schema.js";
import type { Services } from "./services.js";
import {
  type EdgeSystem,
  startEdgeSystem,
  expectCodedGraphQLErrors,
  expectCodedRestError,
  settledDigest,
} from "./test-edges.js";
import { dataOf, type gatewayClients, type GraphQLAnswer } from "@polyscale/tools/testing";

/**
 * The property-based edge suite: generated values (huge, negative and fractional numbers, NaN and infinities, NUL and
 * lone surrogates, text in every script, any currency code) thrown at every GraphQL field, REST route and gRPC method
 * of the running system. The operations come from the contracts themselves (the SDL, /openapi.json, the gRPC service
 * definitions), so a new operation is covered without touching this file. Every answer is a success or a coded error
 * (never INTERNAL or a 5xx; a reason always, the field for bad input), and a request the suite makes invalid on purpose
 * (every text input holds NUL or a lone surrogate) is refused with nothing written in any database.
 */

/** Runs per operation and property: the suite runs twice in CI, so it stays small. */
const RUNS = Number(process.env.EDGE_RUNS ?? 8);

let edges: EdgeSystem | undefined;
let shop: TestSystem;
let client: ReturnType<typeof gatewayClients>;
let grpc: Services;
let adminToken: string;
/** Ids of things that exist (a customer, a product, a category, an order): valid ids reach the rules behind the edge. */
let knownIds: string[];

// ---- Generated values ----

const SCRIPTS = [
  "Обувь",
  "鞋子",
  "العربية",
  "עברית",
  "हिन्दी",
  "ไทย",
  "한국어",
  "Ελληνικά",
  "ქართული",
  "e\u0301",
  "😀",
  "İß",
];
const UNSTORABLE = ["\u0000", "\ud800", "\udfff"];

/** Text PostgreSQL or protobuf cannot hold: a NUL or a lone UTF-16 surrogate somewhere in it. */
const unstorableText = textHolding(UNSTORABLE);
/**
 * gRPC's UTF-8 cannot even carry a lone surrogate (protobuf.js sends U+FFFD for it), so what reaches a gRPC server
 * unstorable is a NUL.
 */
const unstorableGrpcText = textHolding(["\u0000"]);

function textHolding(spoilers: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...spoilers), fc.string({ maxLength: 6 }))
    .map(([before, bad, after]) => before + bad + after);
}

const anyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom(...SCRIPTS),
  unstorableText,
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 4 }).map((text) => text.repeat(300)),
);

const anyNumber = fc.oneof(
  fc.constantFrom(
    0,
    1,
    -1,
    0.5,
    1.001,
    1000.5,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    -(2 ** 53),
    11_000_000,
    1e10,
    1e10 + 1,
    1e15,
    1e15 + 1,
    1e300,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
  fc.integer(),
  fc.double(),
  fc.maxSafeInteger(),
);

const anyCurrency = fc.oneof(
  fc.constantFrom(...Intl.supportedValuesOf("currency")),
  fc.constantFrom("JPY", "USD", "BHD", "KRW", "KWD", "usd", "ABC", "XXX", "€", "US", "USDD", ""),
  anyText,
);

const anyId = () => fc.oneof(fc.constantFrom(...knownIds, newId()), anyText);

/** A value for a text input, by its name: ids and currencies get plausible values half of the time. */
function textFor(name: string, unstorable: boolean): fc.Arbitrary<string> {
  if (unstorable) return unstorableText;
  if (/currency/i.test(name)) return anyCurrency;
  if (/(^id|Id|Ids)$/.test(name)) return anyId();
  return anyText;
}

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

// ---- GraphQL: every field of Query and Mutation, from the SDL ----

const schema = buildSchema(loadTypeDefs());

/** The variables of a field's arguments; `unstorable` puts NUL or a lone surrogate into every text input. */
function graphQLValue(type: GraphQLInputType, name: string, unstorable: boolean): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return graphQLValue(type.ofType, name, unstorable);
  const value: fc.Arbitrary<unknown> = (() => {
    if (isListType(type)) {
      return fc.array(graphQLValue(type.ofType, name, unstorable), { minLength: unstorable ? 1 : 0, maxLength: 3 });
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const record = fc.record(
        Object.fromEntries(fields.map((field) => [field.name, graphQLValue(field.type, field.name, unstorable)])),
      );
      return record;
    }
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((enumValue) => enumValue.name));
    switch (type.name) {
      case "String":
        return textFor(name, unstorable);
      case "Boolean":
        return fc.boolean();
      case "Time":
        return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
      default:
        return anyNumber;
    }
  })();
  // Spoiling text, every input is there to spoil; otherwise an optional one is sometimes null.
  return unstorable ? value : fc.option(value, { nil: null, freq: 4 });
}

function hasText(type: GraphQLInputType): boolean {
  if (isNonNullType(type) || isListType(type)) return hasText(type.ofType);
  if (isInputObjectType(type)) return Object.values(type.getFields()).some((field) => hasText(field.type));
  return !isEnumType(type) && type.name === "String";
}

/** An operation calling the field with every argument as a variable, selecting the scalars of what it returns. */
function operationOf(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const declarations = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(", ");
  const call = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const returned = getNamedType(field.type);
  const selection = isObjectType(returned)
    ? `{ ${Object.values(returned.getFields())
        .filter((child) => isLeafType(getNamedType(child.type)) && child.args.length === 0)
        .map((child) => child.name)
        .join(" ")} }`
    : "";
  return `${kind}${declarations ? `(${declarations})` : ""} { ${field.name}${call ? `(${call})` : ""} ${selection} }`;
}

function graphQLFields(kind: "query" | "mutation") {
  const root = kind === "query" ? schema.getQueryType()! : schema.getMutationType()!;
  // A mutation without arguments (logoutAll, clearCart, …) has no input to generate, and would end the suite's session.
  return Object.values(root.getFields()).filter((field) => kind === "query" || field.args.length > 0);
}

function variablesOf(field: GraphQLField<unknown, unknown>, unstorable: boolean) {
  return fc.record(
    Object.fromEntries(field.args.map((arg) => [arg.name, graphQLValue(arg.type, arg.name, unstorable)])),
  );
}

/** Data, or errors that are all coded: nothing else may come back. */
function expectAnswered(answer: GraphQLAnswer, operation: string): void {
  expect(answer.status, operation).toBeLessThan(500);
  if (answer.errors) expectCodedGraphQLErrors(answer, operation);
  else expect(answer.data, operation).toBeTruthy();
}

// ---- REST: every route of /openapi.json ----

interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: string[];
}

interface RestOperation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; schema: Schema }>;
  body?: Schema;
}

let openApi: {
  paths: Record<
    string,
    Record<
      string,
      Omit<RestOperation, "method" | "path"> & { requestBody?: { content?: Record<string, { schema?: Schema }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

function resolved(schema: Schema): Schema {
  return schema.$ref ? openApi.components.schemas[schema.$ref.split("/").at(-1)!]! : schema;
}

function restValue(schema: Schema, name: string, unstorable: boolean): fc.Arbitrary<unknown> {
  const shape = resolved(schema);
  switch (shape.type) {
    case "object": {
      const properties = Object.entries(shape.properties ?? {});
      return fc.record(Object.fromEntries(properties.map(([key, child]) => [key, restValue(child, key, unstorable)])));
    }
    case "array":
      return fc.array(restValue(shape.items ?? {}, name, unstorable), { minLength: unstorable ? 1 : 0, maxLength: 3 });
    case "integer":
    case "number":
      return anyNumber;
    case "boolean":
      return fc.boolean();
    case undefined:
    default:
      if (unstorable) return unstorableText;
      return shape.enum ? fc.oneof(fc.constantFrom(...shape.enum), anyText) : textFor(name, false);
  }
}

function restHasText(schema: Schema | undefined): boolean {
  if (!schema) return false;
  const shape = resolved(schema);
  if (shape.type === "object") return Object.values(shape.properties ?? {}).some(restHasText);
  if (shape.type === "array") return restHasText(shape.items);
  return shape.type === "string";
}

function restOperations(): RestOperation[] {
  return Object.entries(openApi.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content?.["application/json"]?.schema,
    })),
  );
}

/** Every byte percent-encoded: a lone surrogate travels as the bytes UTF-8 gives it. */
const percentEncoded = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

function restRequest(operation: RestOperation, unstorable: boolean) {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === "path");
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === "query");
  return fc.record({
    path: fc.record(
      Object.fromEntries(pathParameters.map((parameter) => [parameter.name, textFor(parameter.name, unstorable)])),
    ),
    query: fc.record(
      Object.fromEntries(
        queryParameters.map((parameter) => {
          const value = restValue(parameter.schema, parameter.name, unstorable).map(String);
          // Spoiling text, every parameter is sent: a request whose optional parameters were all left out carried no
          // unstorable text at all, and rightly succeeded (seen: GET /stock with neither productIds nor take).
          return [parameter.name, unstorable ? value : fc.option(value, { nil: undefined })];
        }),
      ),
    ),
    body: operation.body ? restValue(operation.body, "body", unstorable) : fc.constant(undefined),
  });
}

function urlOf(
  operation: RestOperation,
  request: { path: Record<string, string>; query: Record<string, string | undefined> },
) {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => percentEncoded(request.path[name]!));
  const query = Object.entries(request.query)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${percentEncoded(value!)}`)
    .join("&");
  return query ? `${path}?${query}` : path;
}

// ---- gRPC: every unary method of the three services ----

type Definition = Record<
  string,
  {
    path: string;
    responseStream: boolean;
    requestSerialize(value: unknown): Buffer;
    requestDeserialize(bytes: Buffer): unknown;
  }
>;

const definitions: Record<keyof Services, Definition> = {
  account: AccountServiceService,
  product: ProductServiceService,
  order: OrderServiceService,
};

/**
 * A request of the method's message shape (its defaults tell each field's kind) with generated values. The defaults do
 * not tell what a repeated field holds: one of messages cannot hold generated text, so it is sent empty. Left to the
 * encodable() precondition, such requests were skipped, and with several such fields (CreateProduct: variants, images,
 * attributes) nearly all were: a CI run skipped 801 of 804 and failed.
 */
function grpcRequest(method: Definition[string], unstorable: boolean): fc.Arbitrary<Record<string, unknown>> {
  const defaults = method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
  const fields = Object.entries(defaults).map(([name, value]): [string, fc.Arbitrary<unknown>] => {
    const text = unstorable ? unstorableGrpcText : textFor(name, false);
    if (typeof value === "string") return [name, text];
    if (typeof value === "number") return [name, anyNumber];
    if (typeof value === "boolean") return [name, fc.boolean()];
    if (Array.isArray(value)) return [name, fc.array(text, { maxLength: 3 })];
    return [name, fc.constant(value)];
  });
  return fc
    .record(Object.fromEntries(fields))
    .map((request) =>
      Object.fromEntries(
        Object.entries(request).map(([name, value]) =>
          Array.isArray(value) && !encodable(method, { ...defaults, [name]: value }) ? [name, []] : [name, value],
        ),
      ),
    );
}

/** Whether the message can be encoded at all (a string in a number field cannot); only those are sent. */
function encodable(method: Definition[string], request: unknown): boolean {
  try {
    method.requestSerialize(request);
    return true;
  } catch {
    return false;
  }
}

function grpcMethods() {
  return (Object.entries(definitions) as Array<[keyof Services, Definition]>).flatMap(([service, definition]) =>
    Object.entries(definition)
      .filter(([, method]) => !method.responseStream)
      .map(([name, method]) => ({ service, name, method })),
  );
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
  knownIds = [customer.account.id, product.id, category.id, order.id];
  openApi = (await client.rest<typeof openApi>("GET", "/openapi.json")).body;
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
          fc.asyncProperty(variablesOf(field, false), async (variables) => {
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
          fc.asyncProperty(variablesOf(field, true), async (variables) => {
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
    const operations = restOperations().filter(
      (operation) => operation.method === "GET" || operation.parameters.length > 0 || operation.body,
    );
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(restRequest(operation, false), async (request) => {
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
    const operations = restOperations().filter(
      (operation) =>
        operation.parameters.some((parameter) => restHasText(parameter.schema)) || restHasText(operation.body),
    );
    await writingNothing(async () => {
      for (const operation of operations) {
        await fc.assert(
          fc.asyncProperty(restRequest(operation, true), async (request) => {
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
        fc.asyncProperty(grpcRequest(method, false), async (request) => {
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
          fc.asyncProperty(grpcRequest(method, true), async (request) => {
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
