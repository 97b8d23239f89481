import * as domain from "../domain/index.js";
import { optionalInteger, optionalString, requiredInteger, requiredString } from "./input.js";
import {
  bearerAndCartToken,
  bearerOrCartToken,
  bodyOf,
  idParameter,
  ref,
  responses,
  variantIdParameter,
} from "./openapi.js";
import { schemas } from "./schemas/index.js";
import { cartBody } from "./representations.js";
import { ok, type RestRequest, type Route } from "./router.js";

const cartAnswer = { status: 200, description: "The cart", schema: ref("Cart") };

/** The line a PUT or DELETE /cart/items/{productId} names: the product, and its variant when ?variantId= is given. */
function cartLineOf(request: RestRequest): domain.CartLineRef {
  return { productId: request.params.productId!, variantId: request.query.get("variantId") ?? undefined };
}

/**
 * The REST face of the signed-in customer's cart: the same operations and rules as the GraphQL fields of the same
 * names; each answers the whole cart: the caller's, or without a login the guest cart of X-Cart-Token (the first add
 * without one creates it and answers its cartToken). A line is one variant of a product (the default variant unless one is named).
 * A quantity's rule (1 to 1,000 units a line) is the order service's.
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
        security: bearerOrCartToken,
        responses: responses(cartAnswer, [401]),
      },
      handle: async (context) => ok(cartBody(await domain.getCart(context))),
    },
    {
      method: "POST",
      path: "/cart/items",
      operation: {
        operationId: "addToCart",
        tags: ["cart"],
        summary: "Add units of a product's variant to the caller's cart (all its lines share one currency)",
        security: bearerOrCartToken,
        requestBody: bodyOf("NewCartItem"),
        responses: responses(cartAnswer, [400, 401, 404, 409, 413]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const quantity = optionalInteger(body, schemas.NewCartItem, "quantity") ?? 1;
        const line = { productId: requiredString(body, "productId"), variantId: optionalString(body, "variantId") };
        return ok(cartBody(await domain.addToCart(context, { ...line, quantity })));
      },
    },
    {
      method: "PUT",
      path: "/cart/items/{productId}",
      operation: {
        operationId: "setCartItemQuantity",
        tags: ["cart"],
        summary: "Set how many units of a product's variant the caller's cart holds",
        security: bearerOrCartToken,
        parameters: [idParameter("productId", "Product id"), variantIdParameter],
        requestBody: bodyOf("CartItemQuantity"),
        responses: responses(cartAnswer, [400, 401, 404, 409, 413]),
      },
      async handle(context, request) {
        const quantity = requiredInteger(await request.jsonBody(), schemas.CartItemQuantity, "quantity");
        return ok(cartBody(await domain.setCartItemQuantity(context, { ...cartLineOf(request), quantity })));
      },
    },
    {
      method: "DELETE",
      path: "/cart/items/{productId}",
      operation: {
        operationId: "removeFromCart",
        tags: ["cart"],
        summary: "Take a product's variant out of the caller's cart",
        security: bearerOrCartToken,
        parameters: [idParameter("productId", "Product id"), variantIdParameter],
        responses: responses(cartAnswer, [400, 401]),
      },
      handle: async (context, request) => ok(cartBody(await domain.removeFromCart(context, cartLineOf(request)))),
    },
    {
      method: "DELETE",
      path: "/cart",
      operation: {
        operationId: "clearCart",
        tags: ["cart"],
        summary: "Empty the caller's cart",
        security: bearerOrCartToken,
        responses: responses({ ...cartAnswer, description: "The empty cart" }, [401]),
      },
      handle: async (context) => ok(cartBody(await domain.clearCart(context))),
    },
    {
      method: "POST",
      path: "/cart/merge",
      operation: {
        operationId: "mergeGuestCart",
        tags: ["cart"],
        summary: "Move the guest cart of X-Cart-Token into the caller's cart (as a login with the header does)",
        description:
          "Units of a variant add up; all or nothing within the cart's limits and one currency; the token is dead " +
          "after. For a merge refused at login (cartError) once the cart allows it. A token already merged, expired " +
          "or never issued: 404 CART_NOT_FOUND, so a retry never adds the units twice; no header: 400, field cartToken.",
        security: bearerAndCartToken,
        responses: responses(
          { ...cartAnswer, description: "The caller's cart, the guest cart's lines in it" },
          [400, 401, 404, 409],
        ),
      },
      handle: async (context) => ok(cartBody(await domain.mergeGuestCart(context))),
    },
  ];
}
