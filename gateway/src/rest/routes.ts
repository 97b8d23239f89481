import type { IncomingHttpHeaders } from "node:http";
import { SearchSort } from "@polyscale/product";
import { notFound, requireCurrency } from "@polyscale/platform";
import type { GatewayContext } from "../context.js";
import * as domain from "../domain/index.js";
import {
  asObject,
  oneOf,
  optionalInteger,
  optionalString,
  queryBoolean,
  queryInteger,
  requiredArray,
  requiredInteger,
  requiredString,
} from "./input.js";
import { accountBody, orderBody, roleNames, searchBody } from "./representations.js";
import { sessionRoutes } from "./session-routes.js";
import { receivePaymentWebhook, SIGNATURE_HEADER } from "./webhooks.js";

export interface RestRequest {
  /** Path parameters by name, e.g. `id` of /order/{id}. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, size-limited. */
  rawBody(): Promise<Buffer>;
  /** The body as a JSON object; BAD_USER_INPUT otherwise. */
  jsonBody(): Promise<Record<string, unknown>>;
}

export interface RestResult {
  status: number;
  body: unknown;
}

export interface Route {
  method: "GET" | "POST";
  /** OpenAPI-style path, e.g. /order/{id}/cancel. */
  path: string;
  handle(context: GatewayContext, request: RestRequest): Promise<RestResult>;
}

const ok = (body: unknown): RestResult => ({ status: 200, body });
const created = (body: unknown): RestResult => ({ status: 201, body });

const sorts = {
  relevance: SearchSort.SEARCH_SORT_RELEVANCE,
  price_asc: SearchSort.SEARCH_SORT_PRICE_ASC,
  price_desc: SearchSort.SEARCH_SORT_PRICE_DESC,
  newest: SearchSort.SEARCH_SORT_NEWEST,
} as const;

function pageOfQuery(query: URLSearchParams) {
  return domain.pageOf({
    skip: queryInteger(query, "skip", "int32", 0),
    take: queryInteger(query, "take", "int32", 0),
  });
}

/** Every REST route; /openapi.json describes exactly these. */
export function restRoutes(options: { paymentWebhookSecret: string }): Route[] {
  return [
    {
      method: "POST",
      path: "/account",
      async handle(context, request) {
        const body = await request.jsonBody();
        const role = optionalString(body, "role");
        const account = await domain.createAccount(context, {
          name: requiredString(body, "name"),
          email: optionalString(body, "email"),
          password: optionalString(body, "password"),
          role: role === undefined ? undefined : roleNames[oneOf(role, "role", ["CUSTOMER", "ADMIN"] as const)],
        });
        return created(accountBody(account));
      },
    },
    {
      method: "GET",
      path: "/account/{id}",
      handle: async (context, request) => ok(accountBody(await domain.getAccount(context, request.params.id!))),
    },
    ...sessionRoutes(),
    {
      method: "GET",
      path: "/accounts",
      async handle(context, request) {
        const accounts = await domain.listAccounts(context, pageOfQuery(request.query));
        return ok(accounts.map(accountBody));
      },
    },
    {
      method: "POST",
      path: "/product",
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.createProduct(context, {
          name: requiredString(body, "name"),
          description: requiredString(body, "description"),
          priceCents: requiredInteger(body, "priceCents", "int64", 0),
          currency: optionalString(body, "currency"),
          categoryId: optionalString(body, "categoryId"),
          stock: optionalInteger(body, "stock", "int64", 0),
        });
        return created(product);
      },
    },
    {
      method: "GET",
      path: "/product/{id}",
      async handle(context, request) {
        const id = request.params.id!;
        const product = await domain.getProduct(context, id);
        if (!product) throw notFound("PRODUCT_NOT_FOUND", `no product with id ${id}`, "id");
        return ok(product);
      },
    },
    {
      method: "GET",
      path: "/products",
      async handle(context, request) {
        const query = request.query;
        const sort = query.get("sort");
        const result = await domain.searchProducts(context, {
          query: query.get("q") ?? "",
          categoryIds: query
            .getAll("category")
            .flatMap((value) => value.split(","))
            .filter(Boolean),
          currency: requireCurrency("currency", query.get("currency") ?? context.defaultCurrency),
          minPriceCents: queryInteger(query, "minPrice", "int64", 0),
          maxPriceCents: queryInteger(query, "maxPrice", "int64", 0),
          inStockOnly: queryBoolean(query, "inStock") ?? false,
          sort: sort
            ? sorts[oneOf(sort, "sort", Object.keys(sorts) as Array<keyof typeof sorts>)]
            : SearchSort.SEARCH_SORT_UNSPECIFIED,
          page: pageOfQuery(query),
        });
        return ok(searchBody(result));
      },
    },
    {
      method: "GET",
      path: "/admin/stock",
      async handle(context, request) {
        const ids = request.query.get("productIds");
        const levels = await domain.listStockLevels(context, {
          productIds: ids ? ids.split(",") : [],
          take: queryInteger(request.query, "take", "int32", 0) ?? 0,
        });
        return ok(levels);
      },
    },
    {
      method: "POST",
      path: "/order",
      async handle(context, request) {
        const body = await request.jsonBody();
        const order = await domain.placeOrder(context, {
          accountId: requiredString(body, "accountId"),
          lines: requiredArray(body, "lines").map((value) => {
            const line = asObject(value, "lines");
            return {
              productId: requiredString(line, "productId"),
              quantity: requiredInteger(line, "quantity", "int32", 1),
            };
          }),
          idempotencyKey: optionalString(body, "idempotencyKey"),
        });
        return created(orderBody(order));
      },
    },
    {
      method: "GET",
      path: "/order/{id}",
      handle: async (context, request) => ok(orderBody(await domain.getOrder(context, request.params.id!))),
    },
    {
      method: "GET",
      path: "/orders/{accountId}",
      async handle(context, request) {
        const orders = await domain.listOrders(context, request.params.accountId, pageOfQuery(request.query));
        return ok(orders.map(orderBody));
      },
    },
    {
      method: "POST",
      path: "/order/{id}/cancel",
      handle: async (context, request) => ok(orderBody(await domain.cancelOrder(context, request.params.id!))),
    },
    {
      method: "POST",
      path: "/webhooks/payments",
      async handle(context, request) {
        const signature = request.headers[SIGNATURE_HEADER];
        const order = await receivePaymentWebhook(
          context,
          options.paymentWebhookSecret,
          await request.rawBody(),
          typeof signature === "string" ? signature : undefined,
        );
        return ok(order);
      },
    },
  ];
}

/** Compiles /order/{id} into a matcher returning the path parameters, or undefined. */
export function matcherOf(path: string): (pathname: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const regex = new RegExp(`^${pattern}$`);
  return (pathname) => {
    const match = regex.exec(pathname);
    if (!match) return undefined;
    try {
      return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]));
    } catch {
      return undefined; // malformed percent-encoding names nothing
    }
  };
}
