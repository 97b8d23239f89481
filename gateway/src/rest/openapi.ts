import { ERROR_REASONS, LIMITS } from "@polyscale/platform";
import { httpStatusOf } from "../errors.js";

/**
 * The OpenAPI 3.1 description of the REST API, served at GET /openapi.json. Every route of restRoutes() is here (a
 * test checks both lists agree).
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });

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

function responses(success: { status: number; description: string; schema?: unknown }, errors: number[]) {
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
          content: json(ref("Error")),
        },
      ]),
    ),
  };
}

const idParameter = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", format: "uuid" },
});

const queryParameter = (name: string, description: string, schema: unknown) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});

const pageParameters = [
  queryParameter("skip", "How many to skip; negative is invalid.", {
    type: "integer",
    format: "int32",
    minimum: 0,
    maximum: 2 ** 31 - 1,
    default: 0,
  }),
  queryParameter("take", "Page size; 0 or absent means 100, more than 100 is capped.", {
    type: "integer",
    minimum: 0,
    maximum: 100,
    default: 100,
  }),
];

const bearer = [{ bearerAuth: [] }];
/** Explicitly no authentication (OpenAPI: an empty security requirement list). */
const anonymous: never[] = [];

/** A required JSON object body whose properties are all required. */
const body = (properties: Record<string, unknown>) => ({
  required: true,
  content: json({ type: "object", required: Object.keys(properties), properties }),
});
/**
 * Integers as JSON numbers: int64 in the contracts, always within Number.MAX_SAFE_INTEGER, so every JSON client reads
 * them exactly; the shop's limits (@polyscale/platform LIMITS) bound what the services accept.
 */
const safeInteger = { type: "integer", format: "int64", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const money = {
  ...safeInteger,
  description:
    "Minor units of `currency` (ISO 4217 exponent): JPY 1000 is ¥1000, USD 1999 is $19.99, BHD 1234 is BD 1.234.",
};
const units = (description: string) => ({ ...safeInteger, description });
const count = units("How many.");
const instant = { type: "string", format: "date-time" };

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "PolyScale REST API",
    version: "1.0.0",
    description:
      "The REST face of the PolyScale gateway, beside GraphQL at /graphql. Money is integer minor units with an ISO 4217 " +
      'currency. Errors are {"error": {"code", "message", "reason", "field"?}} with the matching HTTP status; `reason` is stable and machine-readable (see the Error schema). Authenticate ' +
      "with `Authorization: Bearer <accessToken>` from POST /login (or the GraphQL `login` mutation).",
  },
  components: {
    securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message", "reason"],
            properties: {
              code: {
                type: "string",
                enum: Object.keys(httpStatusOf),
              },
              message: { type: "string" },
              reason: {
                type: "string",
                description:
                  "Why, stable and machine-readable; switch on it, never on the message. " +
                  Object.entries(ERROR_REASONS)
                    .map(([reason, meaning]) => `${reason}: ${meaning}`)
                    .join(" "),
                enum: Object.keys(ERROR_REASONS),
              },
              field: { type: "string", description: "The camelCase input field at fault." },
              retryAfterSeconds: {
                type: "integer",
                minimum: 1,
                description:
                  "With TOO_MANY_REQUESTS: seconds to wait before trying again (also the Retry-After header).",
              },
            },
          },
        },
      },
      Account: {
        type: "object",
        properties: {
          id: { type: "string" },
          name: { type: "string" },
          email: { type: "string" },
          role: { type: "string", enum: ["CUSTOMER", "ADMIN"] },
          disabled: { type: "boolean" },
          emailVerified: { type: "boolean" },
          createdAt: instant,
          updatedAt: instant,
        },
      },
      Session: {
        type: "object",
        properties: {
          account: ref("Account"),
          accessToken: { type: "string" },
          accessTokenExpiresAt: instant,
          refreshToken: { type: "string", description: "Single use: refreshing returns a new one." },
          refreshTokenExpiresAt: instant,
        },
      },
      Done: { type: "object", properties: { done: { type: "boolean", const: true } } },
      NewAccount: {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string" },
          email: { type: "string", description: "With password, lets the account log in." },
          password: { type: "string" },
          role: { type: "string", enum: ["CUSTOMER", "ADMIN"], default: "CUSTOMER" },
        },
      },
      Product: {
        type: "object",
        properties: {
          id: { type: "string" },
          name: { type: "string" },
          description: { type: "string" },
          priceCents: money,
          currency: { type: "string" },
          categoryId: { type: "string", description: "Empty when the product has no category." },
          stock: units("Units available to sell."),
          createdAt: instant,
          updatedAt: instant,
        },
      },
      NewProduct: {
        type: "object",
        required: ["name", "description", "priceCents"],
        properties: {
          name: { type: "string" },
          description: { type: "string" },
          priceCents: { ...money, maximum: LIMITS.priceMinor },
          currency: { type: "string", description: "ISO 4217; defaults to the shop's DEFAULT_CURRENCY." },
          categoryId: { type: "string" },
          stock: { ...units("Initial stock."), maximum: LIMITS.stock, default: 0 },
        },
      },
      SearchResult: {
        type: "object",
        properties: {
          items: { type: "array", items: ref("Product") },
          totalCount: {
            ...safeInteger,
            description: "Matches over all pages: exact up to 1,000, beyond that an estimate of at least 1,000.",
          },
          totalCountIsExact: {
            type: "boolean",
            description: "False when totalCount and the facet counts are estimates.",
          },
          facets: {
            type: "object",
            properties: {
              categories: {
                type: "array",
                items: { type: "object", properties: { categoryId: { type: "string" }, count } },
              },
              priceBuckets: {
                type: "array",
                items: {
                  type: "object",
                  properties: { minCents: money, maxCents: money, count },
                },
              },
            },
          },
        },
      },
      Order: {
        type: "object",
        properties: {
          id: { type: "string" },
          accountId: { type: "string" },
          status: {
            type: "string",
            enum: ["PENDING_PAYMENT", "PAID", "FULFILLED", "CANCELLED", "REFUNDED", "EXPIRED"],
            description: "EXPIRED: not paid within the payment window; its stock was released.",
          },
          lines: {
            type: "array",
            items: {
              type: "object",
              properties: {
                productId: { type: "string" },
                name: { type: "string" },
                description: { type: "string" },
                unitPriceCents: money,
                quantity: { type: "integer", format: "int32", minimum: 1, maximum: LIMITS.lineQuantity },
                lineTotalCents: money,
              },
            },
          },
          totalCents: money,
          currency: { type: "string" },
          payments: {
            type: "array",
            items: {
              type: "object",
              properties: {
                id: { type: "string" },
                kind: { type: "string", enum: ["CAPTURE", "REFUND"] },
                amountCents: money,
                currency: { type: "string" },
                provider: { type: "string" },
                providerReference: { type: "string" },
                createdAt: instant,
              },
            },
          },
          createdAt: instant,
          updatedAt: instant,
          paymentDueAt: { ...instant, description: "When the order expires if it is still unpaid." },
        },
      },
      StockLevel: {
        type: "object",
        properties: {
          productId: { type: "string" },
          onHand: units("available + held"),
          available: units("Units that can still be sold."),
          held: units("Units reserved by orders that are not paid yet."),
          sold: units("Units of paid orders."),
        },
      },
      NewOrder: {
        type: "object",
        required: ["accountId", "lines"],
        properties: {
          accountId: { type: "string" },
          lines: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              required: ["productId", "quantity"],
              properties: {
                productId: { type: "string" },
                quantity: { type: "integer", format: "int32", minimum: 1, maximum: LIMITS.lineQuantity },
              },
            },
          },
          idempotencyKey: { type: "string", description: "Or the Idempotency-Key header." },
        },
      },
      PaymentEvent: {
        type: "object",
        required: ["orderId", "kind", "amountCents", "currency", "provider", "providerReference"],
        properties: {
          orderId: { type: "string" },
          kind: { type: "string", enum: ["capture", "refund"] },
          amountCents: money,
          currency: { type: "string" },
          provider: { type: "string" },
          providerReference: { type: "string", description: "Unique per provider; replays are recorded once." },
        },
      },
    },
  },
  paths: {
    "/account": {
      post: {
        summary: "Create an account (admins only)",
        security: bearer,
        requestBody: { required: true, content: json(ref("NewAccount")) },
        responses: responses(
          { status: 201, description: "The new account", schema: ref("Account") },
          [400, 401, 403, 409, 413],
        ),
      },
    },
    "/account/{id}": {
      get: {
        summary: "One account (its holder or an admin)",
        security: bearer,
        parameters: [idParameter("id", "Account id")],
        responses: responses({ status: 200, description: "The account", schema: ref("Account") }, [400, 401, 403, 404]),
      },
    },
    // Sessions and account administration (rest/session-routes.ts): operationIds are the GraphQL mutations' names.
    "/login": {
      post: {
        operationId: "login",
        summary: "Log in with email and password; failures are throttled per email and address, then per address",
        security: anonymous,
        requestBody: body({ email: { type: "string" }, password: { type: "string" } }),
        responses: responses(
          { status: 200, description: "A new session", schema: ref("Session") },
          [400, 401, 413, 429],
        ),
      },
    },
    "/refresh": {
      post: {
        operationId: "refreshToken",
        summary:
          "Trade a refresh token for a new pair; a repeat within REFRESH_GRACE_SECONDS gets the same pair, a later reuse ends the session",
        security: anonymous,
        requestBody: body({ refreshToken: { type: "string" } }),
        responses: responses({ status: 200, description: "The next session", schema: ref("Session") }, [400, 401, 413]),
      },
    },
    "/logout": {
      post: {
        operationId: "logout",
        summary: "End the refresh token's session; its access tokens stop working within a second on every gateway",
        security: anonymous,
        requestBody: body({ refreshToken: { type: "string" } }),
        responses: responses({ status: 200, description: "Logged out", schema: ref("Done") }, [400, 413]),
      },
    },
    "/logout-all": {
      post: {
        operationId: "logoutAll",
        summary: "End every session of the caller's account",
        security: bearer,
        responses: responses({ status: 200, description: "Logged out everywhere", schema: ref("Done") }, [401]),
      },
    },
    "/password-change": {
      post: {
        operationId: "changePassword",
        summary: "Change the caller's password (throttled like a login); every other session ends",
        security: bearer,
        requestBody: body({ currentPassword: { type: "string" }, newPassword: { type: "string", minLength: 8 } }),
        responses: responses(
          { status: 200, description: "A fresh session", schema: ref("Session") },
          [400, 401, 413, 429],
        ),
      },
    },
    "/password-reset": {
      post: {
        operationId: "requestPasswordReset",
        summary: "Email a single-use password-reset link; the same answer whether or not the email has an account",
        security: anonymous,
        requestBody: body({ email: { type: "string" } }),
        responses: responses({ status: 202, description: "Requested" }, [400, 413, 429]),
      },
    },
    "/password-reset/confirm": {
      post: {
        operationId: "resetPassword",
        summary: "Set a new password with the emailed token; every other session ends",
        security: anonymous,
        requestBody: body({ token: { type: "string" }, newPassword: { type: "string", minLength: 8 } }),
        responses: responses(
          { status: 200, description: "A fresh session", schema: ref("Session") },
          [400, 401, 413, 429],
        ),
      },
    },
    "/email-verification": {
      post: {
        operationId: "requestEmailVerification",
        summary: "Email the caller a link confirming their address",
        security: bearer,
        responses: responses({ status: 202, description: "Requested" }, [401, 409]),
      },
    },
    "/email-verification/confirm": {
      post: {
        operationId: "verifyEmail",
        summary: "Confirm an address with the emailed token",
        security: anonymous,
        requestBody: body({ token: { type: "string" } }),
        responses: responses({ status: 200, description: "The account", schema: ref("Account") }, [400, 401, 429]),
      },
    },
    "/account/{id}/role": {
      post: {
        operationId: "setAccountRole",
        summary: "Set an account's role (admins only); its access tokens stop working within a second",
        security: bearer,
        parameters: [idParameter("id", "Account id")],
        requestBody: body({ role: { type: "string", enum: ["CUSTOMER", "ADMIN"] } }),
        responses: responses(
          { status: 200, description: "The account", schema: ref("Account") },
          [400, 401, 403, 404, 413],
        ),
      },
    },
    "/account/{id}/disabled": {
      post: {
        operationId: "setAccountDisabled",
        summary: "Disable (ending every session) or enable an account (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Account id")],
        requestBody: body({ disabled: { type: "boolean" } }),
        responses: responses(
          { status: 200, description: "The account", schema: ref("Account") },
          [400, 401, 403, 404, 413],
        ),
      },
    },
    "/accounts": {
      get: {
        summary: "Accounts newest first (admins see all, a customer only their own)",
        security: bearer,
        parameters: pageParameters,
        responses: responses(
          { status: 200, description: "Accounts", schema: { type: "array", items: ref("Account") } },
          [400, 401],
        ),
      },
    },
    "/product": {
      post: {
        summary: "Create a product (admins only)",
        security: bearer,
        requestBody: { required: true, content: json(ref("NewProduct")) },
        responses: responses(
          { status: 201, description: "The new product", schema: ref("Product") },
          [400, 401, 403, 413],
        ),
      },
    },
    "/product/{id}": {
      get: {
        summary: "One product",
        parameters: [idParameter("id", "Product id")],
        responses: responses({ status: 200, description: "The product", schema: ref("Product") }, [400, 404]),
      },
    },
    "/products": {
      get: {
        summary: "Search the catalog, with facets",
        parameters: [
          ...pageParameters,
          queryParameter("q", "Free text; absent matches everything.", { type: "string" }),
          queryParameter("category", "Category ids, repeated or comma-separated.", { type: "string" }),
          queryParameter("minPrice", "Lowest price, in minor units of `currency`.", safeInteger),
          queryParameter("maxPrice", "Highest price, in minor units of `currency`.", safeInteger),
          queryParameter(
            "currency",
            "ISO 4217 code of minPrice, maxPrice and the price facets (default DEFAULT_CURRENCY); price bounds " +
              "select only products priced in it.",
            { type: "string", pattern: "^[A-Z]{3}$" },
          ),
          queryParameter("inStock", "Only products in stock.", { type: "boolean" }),
          queryParameter("sort", "Relevance with q, newest first without.", {
            type: "string",
            enum: ["relevance", "price_asc", "price_desc", "newest"],
          }),
        ],
        responses: responses({ status: 200, description: "Matching products", schema: ref("SearchResult") }, [400]),
      },
    },
    "/order": {
      post: {
        summary: "Place an order for an account (its holder or an admin)",
        security: bearer,
        parameters: [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            description: "A retry with the same key returns the same order.",
            schema: { type: "string" },
          },
        ],
        requestBody: { required: true, content: json(ref("NewOrder")) },
        responses: responses(
          { status: 201, description: "The order", schema: ref("Order") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
    },
    "/order/{id}": {
      get: {
        summary: "One order (its account's holder or an admin)",
        security: bearer,
        parameters: [idParameter("id", "Order id")],
        responses: responses({ status: 200, description: "The order", schema: ref("Order") }, [400, 401, 403, 404]),
      },
    },
    "/orders/{accountId}": {
      get: {
        summary: "An account's orders, newest first (its holder or an admin)",
        security: bearer,
        parameters: [idParameter("accountId", "Account id"), ...pageParameters],
        responses: responses(
          { status: 200, description: "Orders", schema: { type: "array", items: ref("Order") } },
          [400, 401, 403],
        ),
      },
    },
    "/admin/stock": {
      get: {
        summary: "Stock on hand, available, held by unpaid orders and sold, per product (admins)",
        security: bearer,
        parameters: [
          queryParameter("productIds", "Comma-separated product ids (at most 1000); unknown ids are left out.", {
            type: "string",
          }),
          queryParameter(
            "take",
            "Without productIds: how many of the products holding the most units (20, at most 100).",
            {
              type: "integer",
              minimum: 0,
              maximum: 100,
              default: 20,
            },
          ),
        ],
        responses: responses(
          { status: 200, description: "Stock levels", schema: { type: "array", items: ref("StockLevel") } },
          [400, 401, 403],
        ),
      },
    },
    "/order/{id}/cancel": {
      post: {
        summary: "Cancel an order waiting for payment (its account's holder or an admin)",
        security: bearer,
        parameters: [idParameter("id", "Order id")],
        responses: responses(
          { status: 200, description: "The cancelled order", schema: ref("Order") },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    "/webhooks/payments": {
      post: {
        summary: "Payment provider callback: a capture or refund",
        description:
          "Signed with `X-PolyScale-Signature: sha256=<hex HMAC-SHA256 of the raw body>` under " +
          "PAYMENT_WEBHOOK_SECRET. Idempotent by provider reference.",
        parameters: [
          {
            name: "X-PolyScale-Signature",
            in: "header",
            required: true,
            schema: { type: "string", pattern: "^sha256=[0-9a-f]{64}$" },
          },
        ],
        requestBody: { required: true, content: json(ref("PaymentEvent")) },
        responses: responses(
          { status: 200, description: "The order after the payment", schema: ref("Order") },
          [400, 401, 404, 409, 413],
        ),
      },
    },
  },
} as const;
