/**
 * The values the property-based edge suite (edges.property.e2e.test.ts) throws at the running system, and the
 * operations it throws them at, read from the contracts themselves: every field of Query and Mutation (the SDL), every
 * route of /openapi.json, every unary method of the three gRPC services. Generated values: huge, negative and
 * fractional numbers, NaN and infinities, NUL and lone surrogates, text in every script, any currency code; with
 * `unstorable`, every text input holds NUL or a lone surrogate (only NUL over gRPC).
 */
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
import { AccountServiceService } from "@polyscale/proto/account/v1/account";
import { OrderServiceService } from "@polyscale/proto/order/v1/order";
import { ProductServiceService } from "@polyscale/proto/product/v1/product";
import { newId } from "@polyscale/platform";
import { loadTypeDefs } from "./graphql/schema.js";
import type { Services } from "./services.js";

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

// ---- GraphQL: every field of Query and Mutation, from the SDL ----

const schema = buildSchema(loadTypeDefs());

/** Whether an input of this type holds text somewhere (a String, in a list or an input object). */
export function hasText(type: GraphQLInputType): boolean {
  if (isNonNullType(type) || isListType(type)) return hasText(type.ofType);
  if (isInputObjectType(type)) return Object.values(type.getFields()).some((field) => hasText(field.type));
  return !isEnumType(type) && type.name === "String";
}

/** An operation calling the field with every argument as a variable, selecting the scalars of what it returns. */
export function operationOf(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
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

/** The fields of Query, or of Mutation those with arguments. */
export function graphQLFields(kind: "query" | "mutation") {
  const root = kind === "query" ? schema.getQueryType()! : schema.getMutationType()!;
  // A mutation without arguments (logoutAll, clearCart, …) has no input to generate, and would end the suite's session.
  return Object.values(root.getFields()).filter((field) => kind === "query" || field.args.length > 0);
}

// ---- REST: every route of /openapi.json ----

export interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: string[];
}

export interface RestOperation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; schema: Schema }>;
  body?: Schema;
}

/** The parts of /openapi.json the REST values are read from. */
export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      Omit<RestOperation, "method" | "path"> & { requestBody?: { content?: Record<string, { schema?: Schema }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

/** Every byte percent-encoded: a lone surrogate travels as the bytes UTF-8 gives it. */
const percentEncoded = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

/** The request URL: the path with its parameters and the query string, every byte percent-encoded. */
export function urlOf(
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

export type Definition = Record<
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

/** Whether the message can be encoded at all (a string in a number field cannot); only those are sent. */
export function encodable(method: Definition[string], request: unknown): boolean {
  try {
    method.requestSerialize(request);
    return true;
  } catch {
    return false;
  }
}

/** Every unary method of the three services, with its service and name. */
export function grpcMethods() {
  return (Object.entries(definitions) as Array<[keyof Services, Definition]>).flatMap(([service, definition]) =>
    Object.entries(definition)
      .filter(([, method]) => !method.responseStream)
      .map(([name, method]) => ({ service, name, method })),
  );
}

/** The generators that need what the running system holds: ids that exist, and the REST document it serves. */
export interface EdgeValues {
  /** The variables of a GraphQL field's arguments. */
  variablesOf: (field: GraphQLField<unknown, unknown>, unstorable: boolean) => fc.Arbitrary<Record<string, unknown>>;
  /** Whether a REST schema holds text somewhere. */
  restHasText: (schema: Schema | undefined) => boolean;
  /** Every operation of the document. */
  restOperations: () => RestOperation[];
  /** A request of the operation: its path and query parameters as text, and its body. */
  restRequest: (
    operation: RestOperation,
    unstorable: boolean,
  ) => fc.Arbitrary<{ path: Record<string, string>; query: Record<string, string | undefined>; body: unknown }>;
  /** A request message of a gRPC method. */
  grpcRequest: (method: Definition[string], unstorable: boolean) => fc.Arbitrary<Record<string, unknown>>;
}

/**
 * The generators over `knownIds` (ids of things that exist: valid ids reach the rules behind the edge) and `openApi`
 * (the document the gateway serves at /openapi.json).
 */
export function edgeValues(knownIds: readonly string[], openApi: OpenApiDocument): EdgeValues {
  const anyId = () => fc.oneof(fc.constantFrom(...knownIds, newId()), anyText);

  /** A value for a text input, by its name: ids and currencies get plausible values half of the time. */
  function textFor(name: string, unstorable: boolean): fc.Arbitrary<string> {
    if (unstorable) return unstorableText;
    if (/currency/i.test(name)) return anyCurrency;
    if (/(^id|Id|Ids)$/.test(name)) return anyId();
    return anyText;
  }

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

  function variablesOf(field: GraphQLField<unknown, unknown>, unstorable: boolean) {
    return fc.record(
      Object.fromEntries(field.args.map((arg) => [arg.name, graphQLValue(arg.type, arg.name, unstorable)])),
    );
  }

  function resolved(schema: Schema): Schema {
    return schema.$ref ? openApi.components.schemas[schema.$ref.split("/").at(-1)!]! : schema;
  }

  function restValue(schema: Schema, name: string, unstorable: boolean): fc.Arbitrary<unknown> {
    const shape = resolved(schema);
    switch (shape.type) {
      case "object": {
        const properties = Object.entries(shape.properties ?? {});
        return fc.record(
          Object.fromEntries(properties.map(([key, child]) => [key, restValue(child, key, unstorable)])),
        );
      }
      case "array":
        return fc.array(restValue(shape.items ?? {}, name, unstorable), {
          minLength: unstorable ? 1 : 0,
          maxLength: 3,
        });
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

  return { variablesOf, restHasText, restOperations, restRequest, grpcRequest };
}
