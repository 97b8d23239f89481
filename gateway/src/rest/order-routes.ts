import * as domain from "../domain/index.js";
import {
  asObject,
  optionalString,
  queryInstant,
  queryList,
  orderAddressesOfBody,
  queryPage,
  requiredArray,
  requiredInteger,
  requiredString,
} from "./input.js";
import {
  bearer,
  bodyOf,
  idParameter,
  idempotencyKeyHeader,
  orderFilterParameters,
  json,
  pageParameters,
  queryParameter,
  ref,
  responses,
} from "./openapi.js";
import { schemas } from "./schemas/index.js";
import { ORDER_STATUS_NAMES, orderBody, orderPageBody, orderStatusByName } from "./representations.js";
import { created, ok, type Route } from "./router.js";

/** The filter of GET /orders and /me/orders from the query string: `status` by name, instants in RFC 3339. */
function orderFilterOf(query: URLSearchParams): domain.OrderFilter {
  return {
    statuses: queryList(query, "status", ORDER_STATUS_NAMES).map((name) => orderStatusByName.get(name)!),
    createdFrom: queryInstant(query, "createdFrom"),
    createdTo: queryInstant(query, "createdTo"),
  };
}

/** The REST face of orders: placing them (for an account, or from the own cart), reading, listing and cancelling them. */
export function orderRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/order",
      operation: {
        operationId: "createOrder",
        tags: ["orders"],
        summary: "Place an order for an account (its holder or an admin)",
        security: bearer,
        parameters: [idempotencyKeyHeader],
        requestBody: bodyOf("NewOrder"),
        responses: responses(
          { status: 201, description: "The order", schema: ref("Order") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const order = await domain.placeOrder(context, {
          accountId: requiredString(body, "accountId"),
          lines: requiredArray(body, "lines").map((value) => {
            const line = asObject(value, "lines");
            return {
              productId: requiredString(line, "productId"),
              variantId: optionalString(line, "variantId"),
              // The 1..1000 rule is the order service's, with one message for every edge (see requiredInteger).
              quantity: requiredInteger(line, schemas.NewOrder.properties.lines.items, "quantity"),
            };
          }),
          idempotencyKey: optionalString(body, "idempotencyKey"),
          addresses: orderAddressesOfBody(body),
        });
        return created(orderBody(order));
      },
    },
    {
      method: "GET",
      path: "/order/{id}",
      operation: {
        operationId: "order",
        tags: ["orders"],
        summary: "One order (its account's holder or an admin)",
        security: bearer,
        parameters: [idParameter("id", "Order id")],
        responses: responses({ status: 200, description: "The order", schema: ref("Order") }, [400, 401, 403, 404]),
      },
      handle: async (context, request) => ok(orderBody(await domain.getOrder(context, request.params.id!))),
    },
    {
      method: "GET",
      path: "/orders/{accountId}",
      operation: {
        operationId: "orders",
        tags: ["orders"],
        summary: "An account's orders, newest first (its holder or an admin)",
        security: bearer,
        parameters: [idParameter("accountId", "Account id"), pageParameters.skip, pageParameters.take],
        responses: responses(
          { status: 200, description: "Orders", schema: { type: "array", items: ref("Order") } },
          [400, 401, 403],
        ),
      },
      async handle(context, request) {
        const orders = await domain.listOrders(context, request.params.accountId, queryPage(request.query));
        return ok(orders.map(orderBody));
      },
    },
    {
      method: "POST",
      path: "/checkout",
      operation: {
        operationId: "checkout",
        tags: ["orders"],
        summary: "Place an order from the caller's cart and empty it",
        description:
          "Reserves the stock of every line at the cart's current prices. 409 CART_EMPTY (field cart) for an empty cart, " +
          "INSUFFICIENT_STOCK when a line cannot be served, CART_CHANGED when the cart changed meanwhile. The optional " +
          "body names the shipping and billing address (written out or by address-book id; billing defaults to " +
          "shipping); the order keeps snapshots of them.",
        security: bearer,
        parameters: [idempotencyKeyHeader],
        requestBody: { required: false, content: json(ref("Checkout")) },
        responses: responses(
          { status: 201, description: "The order, waiting for payment", schema: ref("Order") },
          [400, 401, 403, 404, 409, 413, 415],
        ),
      },
      async handle(context, request) {
        // The body is optional: without one the order has no address and the key comes from the header, if any.
        const body = (await request.rawBody()).length === 0 ? {} : await request.jsonBody();
        const key = optionalString(body, "idempotencyKey");
        return created(orderBody(await domain.checkout(context, key, orderAddressesOfBody(body))));
      },
    },
    {
      method: "GET",
      path: "/me/orders",
      operation: {
        operationId: "myOrders",
        tags: ["orders"],
        summary: "The caller's orders, newest first, filtered (the number matching: GET /orders?accountId=<own id>)",
        security: bearer,
        parameters: [...orderFilterParameters, pageParameters.skip, pageParameters.take],
        responses: responses(
          { status: 200, description: "Orders", schema: { type: "array", items: ref("Order") } },
          [400, 401],
        ),
      },
      async handle(context, request) {
        const page = await domain.findMyOrders(context, orderFilterOf(request.query), queryPage(request.query));
        return ok(page.items.map(orderBody));
      },
    },
    {
      method: "GET",
      path: "/orders",
      operation: {
        operationId: "orderPage",
        tags: ["orders"],
        summary:
          "Orders newest first, filtered, with the number matching: one account's (its holder or an admin), or by " +
          "email or everybody's (admins)",
        security: bearer,
        parameters: [
          queryParameter("accountId", "Only this account's orders.", { type: "string", format: "uuid" }),
          queryParameter("email", "Only the orders of the account with this email (none if no account has it).", {
            type: "string",
            format: "email",
          }),
          ...orderFilterParameters,
          pageParameters.skip,
          pageParameters.take,
        ],
        responses: responses(
          { status: 200, description: "A page of orders", schema: ref("OrderPage") },
          [400, 401, 403],
        ),
      },
      async handle(context, request) {
        const { query } = request;
        const page = await domain.findOrders(
          context,
          {
            ...orderFilterOf(query),
            accountId: query.get("accountId") ?? undefined,
            email: query.get("email") ?? undefined,
          },
          queryPage(query),
        );
        return ok(orderPageBody(page));
      },
    },
    {
      method: "POST",
      path: "/order/{id}/cancel",
      operation: {
        operationId: "cancelOrder",
        tags: ["orders"],
        summary: "Cancel an order waiting for payment (its account's holder or an admin)",
        security: bearer,
        parameters: [idParameter("id", "Order id")],
        responses: responses(
          { status: 200, description: "The cancelled order", schema: ref("Order") },
          [400, 401, 403, 404, 409],
        ),
      },
      handle: async (context, request) => ok(orderBody(await domain.cancelOrder(context, request.params.id!))),
    },
    {
      method: "POST",
      path: "/order/{id}/fulfil",
      operation: {
        operationId: "markFulfilled",
        tags: ["orders"],
        summary: "Mark a paid order fulfilled (admins only); 409 ORDER_STATUS_CONFLICT in another status",
        security: bearer,
        parameters: [idParameter("id", "Order id")],
        responses: responses(
          { status: 200, description: "The fulfilled order", schema: ref("Order") },
          [400, 401, 403, 404, 409],
        ),
      },
      handle: async (context, request) => ok(orderBody(await domain.markFulfilled(context, request.params.id!))),
    },
  ];
}
