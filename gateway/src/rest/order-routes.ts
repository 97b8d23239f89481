import * as domain from "../domain/index.js";
import { asObject, optionalString, queryPage, requiredArray, requiredInteger, requiredString } from "./input.js";
import { orderBody } from "./representations.js";
import { created, ok, type Route } from "./router.js";

/** The REST face of orders: placing, reading, listing and cancelling them. */
export function orderRoutes(): Route[] {
  return [
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
              // Shape only: the 1..1000 rule is the order service's, with one message for every edge.
              quantity: requiredInteger(line, "quantity", "int32"),
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
        const orders = await domain.listOrders(context, request.params.accountId, queryPage(request.query));
        return ok(orders.map(orderBody));
      },
    },
    {
      method: "POST",
      path: "/order/{id}/cancel",
      handle: async (context, request) => ok(orderBody(await domain.cancelOrder(context, request.params.id!))),
    },
  ];
}
