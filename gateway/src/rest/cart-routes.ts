import * as domain from "../domain/index.js";
import { optionalInteger, requiredInteger, requiredString } from "./input.js";
import { bearer, bodyOf, idParameter, ref, responses, schemas } from "./openapi.js";
import { ok, type Route } from "./router.js";

const cartAnswer = { status: 200, description: "The cart", schema: ref("Cart") };

/**
 * The REST face of the signed-in customer's cart: the same operations and rules as the GraphQL fields of the same
 * names; each answers the whole cart. A quantity's rule (1 to 1,000 units a line) is the order service's.
 */
export function cartRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/cart",
      operation: {
        operationId: "cart",
        tags: ["cart"],
        summary: "The caller's cart, with current prices and stock",
        security: bearer,
        responses: responses(cartAnswer, [401]),
      },
      handle: async (context) => ok(await domain.getCart(context)),
    },
    {
      method: "POST",
      path: "/cart/items",
      operation: {
        operationId: "addToCart",
        tags: ["cart"],
        summary: "Add units of a product to the caller's cart (all its products share one currency)",
        security: bearer,
        requestBody: bodyOf("NewCartItem"),
        responses: responses(cartAnswer, [400, 401, 404, 409, 413]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const quantity = optionalInteger(body, schemas.NewCartItem, "quantity") ?? 1;
        return ok(await domain.addToCart(context, requiredString(body, "productId"), quantity));
      },
    },
    {
      method: "PUT",
      path: "/cart/items/{productId}",
      operation: {
        operationId: "setCartItemQuantity",
        tags: ["cart"],
        summary: "Set how many units of a product the caller's cart holds",
        security: bearer,
        parameters: [idParameter("productId", "Product id")],
        requestBody: bodyOf("CartItemQuantity"),
        responses: responses(cartAnswer, [400, 401, 404, 409, 413]),
      },
      async handle(context, request) {
        const quantity = requiredInteger(await request.jsonBody(), schemas.CartItemQuantity, "quantity");
        return ok(await domain.setCartItemQuantity(context, request.params.productId!, quantity));
      },
    },
    {
      method: "DELETE",
      path: "/cart/items/{productId}",
      operation: {
        operationId: "removeFromCart",
        tags: ["cart"],
        summary: "Take a product out of the caller's cart",
        security: bearer,
        parameters: [idParameter("productId", "Product id")],
        responses: responses(cartAnswer, [400, 401]),
      },
      handle: async (context, request) => ok(await domain.removeFromCart(context, request.params.productId!)),
    },
    {
      method: "DELETE",
      path: "/cart",
      operation: {
        operationId: "clearCart",
        tags: ["cart"],
        summary: "Empty the caller's cart",
        security: bearer,
        responses: responses({ ...cartAnswer, description: "The empty cart" }, [401]),
      },
      handle: async (context) => ok(await domain.clearCart(context)),
    },
  ];
}
