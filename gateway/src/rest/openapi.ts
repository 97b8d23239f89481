import { int32Count, schemaRef, schemas, variantIdProperty } from "./schemas/index.js";
import { ORDER_STATUS_NAMES } from "./representations.js";
import type { Route } from "./router.js";

/**
 * The OpenAPI 3.1 description of the REST API, served at GET /openapi.json. Its paths come from the route table: each
 * route carries its own operation (summary, parameters, body, responses), so a route cannot be served undescribed or
 * described unserved. This file holds the document and what operations are written with (responses, parameters,
 * security, bodies); the component schemas are in rest/schemas/.
 */

/** The document's tags, one per domain; each operation has one. */
const tags = {
  sessions: "Registering, logging in and out, tokens, passwords and email verification.",
  accounts: "The caller's own account, and account administration (admins).",
  catalog: "Products, categories and search; product writes and stock levels for admins.",
  cart: "The signed-in customer's cart.",
  orders: "Checkout, orders placed for an account, reading, listing and cancelling them.",
  payments: "The payment provider's callback, and payments recorded by admins.",
} as const;

/** One OpenAPI operation: what a route states about itself beside its method and path. */
export interface Operation {
  summary: string;
  description?: string;
  /** The GraphQL field's name where the route mirrors one; REST's own operations name themselves alike. */
  operationId: string;
  tags: readonly [keyof typeof tags];
  /** `bearer` where the operation needs a caller, `anonymous` where anyone may call it: always stated. */
  security: readonly object[];
  parameters?: readonly object[];
  requestBody?: object;
  responses: Record<number, object>;
}

/** A reference to one of the document's schemas, by a name it has. */
export const ref = (name: keyof typeof schemas) => schemaRef(name);
export const json = (schema: unknown) => ({ "application/json": { schema } });

const errorCodes: Record<number, string> = {
  400: "Invalid input (BAD_USER_INPUT, with the field at fault)",
  401: "Missing or invalid access token (UNAUTHENTICATED)",
  403: "Not allowed for this caller (FORBIDDEN)",
  404: "Not found (NOT_FOUND)",
  409: "Conflicts with the current state (CONFLICT)",
  405: "Known route, other method; see the Allow header (METHOD_NOT_ALLOWED)",
  413: "Body larger than MAX_BODY_BYTES (PAYLOAD_TOO_LARGE)",
  415: "A body that is not JSON (UNSUPPORTED_MEDIA_TYPE)",
  431: "Request line and headers beyond 16 KB, e.g. a very long query string (HEADERS_TOO_LARGE)",
  429: "Too many attempts (TOO_MANY_REQUESTS)",
  503: "A service is unavailable (UNAVAILABLE)",
};

const retryAfterHeader = {
  description: "Seconds to wait before trying again (RFC 9110).",
  schema: { type: "integer", minimum: 1 },
};

/** An operation's responses: its success and the error statuses it can answer (431 and 503 always). */
export function responses(success: { status: number; description: string; schema?: unknown }, errors: number[]) {
  return {
    [success.status]: {
      description: success.description,
      ...(success.schema ? { content: json(success.schema) } : {}),
    },
    ...Object.fromEntries(
      [...errors, 431, 503].map((status) => [
        status,
        {
          description: errorCodes[status],
          ...(status === 429 ? { headers: { "Retry-After": retryAfterHeader } } : {}),
          content: json(schemaRef("Error")),
        },
      ]),
    ),
  };
}

export const idParameter = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", format: "uuid" },
});

export const queryParameter = <Schema>(name: string, description: string, schema: Schema) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});

/** The variantId query parameter of PUT and DELETE /cart/items/{productId}. */
export const variantIdParameter = queryParameter("variantId", variantIdProperty.description, {
  type: "string",
  format: "uuid",
});

/** skip and take of a listing (rest/input.ts queryPage reads them); a take above 100 is capped, not refused. */
export const pageParameters = {
  skip: queryParameter("skip", "How many to skip; negative is invalid.", { ...int32Count, default: 0 }),
  take: queryParameter("take", "Page size; 0 or absent means 100, more than 100 is capped.", {
    ...int32Count,
    default: 100,
  }),
};

/** The filter of the order lists (GET /orders, /me/orders; rest/order-routes.ts reads it). */
export const orderFilterParameters = [
  queryParameter(
    "status",
    `Only orders in these statuses (${ORDER_STATUS_NAMES.join(", ")}), repeated or comma-separated; every status ` +
      "when absent.",
    { type: "string", examples: ["PENDING_PAYMENT,PAID"] },
  ),
  queryParameter("createdFrom", "Only orders placed at or after this instant (RFC 3339).", {
    type: "string",
    format: "date-time",
  }),
  queryParameter("createdTo", "Only orders placed before this instant; not before createdFrom.", {
    type: "string",
    format: "date-time",
  }),
];

/** The optional Idempotency-Key header of the operations that place an order. */
export const idempotencyKeyHeader = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "A retry with the same key returns the same order.",
  schema: { type: "string" },
};

export const bearer = [{ bearerAuth: [] }];
/** Anyone; a guest cart's token may come along (login and registration merge that cart into the account's). */
export const cartTokenOptional = [{}, { cartToken: [] }];
/** The cart's: the caller's account (bearer), else the guest cart of X-Cart-Token, else none yet (the first add makes one). */
export const bearerOrCartToken = [{ bearerAuth: [] }, { cartToken: [] }, {}];
/** Both: the caller's account (bearer) and the guest cart of X-Cart-Token it takes over (mergeGuestCart). */
export const bearerAndCartToken = [{ bearerAuth: [], cartToken: [] }];
/** Explicitly no authentication (OpenAPI: an empty security requirement list). */
export const anonymous: never[] = [];

/** A required JSON object body whose properties are all required, and the only ones it may have. */
export const body = (properties: Record<string, unknown>) => ({
  required: true,
  content: json({ type: "object", additionalProperties: false, required: Object.keys(properties), properties }),
});
/** A required JSON body of one of the schemas. */
export const bodyOf = (name: keyof typeof schemas) => ({ required: true, content: json(ref(name)) });

/** The whole document for these routes: each route's operation under its path and method. */
export function openApiDocument(routes: readonly Route[]) {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = route.operation;
  return {
    openapi: "3.1.0",
    info: {
      title: "PolyScale REST API",
      version: "1.0.0",
      description:
        "The REST face of the PolyScale gateway, beside GraphQL at /graphql. Money is integer minor units with an ISO " +
        '4217 currency. Errors are {"error": {"code", "message", "reason", "field"?}} with the matching HTTP status; ' +
        "`reason` is stable and machine-readable (see the Error schema). Authenticate with `Authorization: Bearer " +
        "<accessToken>` from POST /register or POST /login (or the GraphQL mutations). Each operationId is the name " +
        "of the GraphQL field the operation mirrors, where there is one.",
      license: { name: "Apache 2.0", identifier: "Apache-2.0" },
    },
    // Relative: the gateway that serves the document.
    servers: [{ url: "/", description: "This gateway" }],
    tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        cartToken: {
          type: "apiKey",
          in: "header",
          name: "X-Cart-Token",
          description: "A guest cart's token, as the add that created the cart answered it (cartToken).",
        },
      },
      schemas,
    },
    paths,
  };
}
