import { expect } from "vitest";
import { PASSWORD } from "./test-gateway-e2e.js";
import {
  CART,
  cartOfRest,
  graphqlAnswer,
  graphqlStorefront,
  ORDER,
  orderOfGraphQL,
  orderOfRest,
  restAnswer,
  restStorefront,
  type Answer,
  type CartShape,
  type OrderShape,
  type Storefront,
} from "./test-storefront-skins.js";
import { errorOf, type Flow, type Step } from "./test-storefront-parity.js";

/**
 * The storefront parity suite's flow (test-storefront-parity.ts) of guest carts: a cart without a login, under the
 * X-Cart-Token its first add answers, merged into the customer's own cart at login or later.
 */

interface GuestToken {
  cartToken: string | null;
}

/** A guest's cart and its merge, as one skin does it. */
interface GuestStorefront extends Storefront {
  /** A guest's: no login, the guest cart's token in X-Cart-Token ("" for none yet). */
  guestAddToCart(cartToken: string, productId: string, quantity: number): Promise<Answer<CartShape & GuestToken>>;
  guestCart(cartToken: string): Promise<Answer<CartShape>>;
  guestCheckout(cartToken: string): Promise<Answer<OrderShape>>;
  /** A login with X-Cart-Token: the session, and the account's cart after the merge. */
  loginWithCart(email: string, password: string, cartToken: string): Promise<Answer<{ cart: CartShape }>>;
  /** The signed-in caller merges the guest cart of X-Cart-Token (either may be "": not sent). */
  mergeGuestCart(token: string, cartToken: string): Promise<Answer<CartShape>>;
}

/** The X-Cart-Token header, when there is a token to send. */
const cartTokenHeader = (cartToken: string): Record<string, string> =>
  cartToken === "" ? {} : { "x-cart-token": cartToken };

const graphqlGuest: GuestStorefront = {
  ...graphqlStorefront,
  guestAddToCart: (cartToken, productId, quantity) =>
    graphqlAnswer(
      `mutation($p: String!, $q: Int!) { addToCart(productId: $p, quantity: $q) { ${CART} cartToken } }`,
      { p: productId, q: quantity },
      undefined,
      "addToCart",
      (cart: CartShape & GuestToken) => cart,
      cartTokenHeader(cartToken),
    ),
  guestCart: (cartToken) =>
    graphqlAnswer(`{ cart { ${CART} } }`, {}, undefined, "cart", (cart: CartShape) => cart, cartTokenHeader(cartToken)),
  guestCheckout: (cartToken) =>
    graphqlAnswer(
      `mutation { checkout { ${ORDER} } }`,
      {},
      undefined,
      "checkout",
      orderOfGraphQL,
      cartTokenHeader(cartToken),
    ),
  loginWithCart: (email, password, cartToken) =>
    graphqlAnswer(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { cart { ${CART} } } }`,
      { e: email, p: password },
      undefined,
      "login",
      (session: { cart: CartShape }) => session,
      cartTokenHeader(cartToken),
    ),
  mergeGuestCart: (token, cartToken) =>
    graphqlAnswer(
      `mutation { mergeGuestCart { ${CART} } }`,
      {},
      token,
      "mergeGuestCart",
      (cart: CartShape) => cart,
      cartTokenHeader(cartToken),
    ),
};

const restGuest: GuestStorefront = {
  ...restStorefront,
  guestAddToCart: (cartToken, productId, quantity) =>
    restAnswer(
      "POST",
      "/cart/items",
      { body: { productId, quantity }, headers: cartTokenHeader(cartToken) },
      (cart: CartShape & { cartToken?: string }) => ({ ...cartOfRest(cart), cartToken: cart.cartToken ?? null }),
    ),
  guestCart: (cartToken) => restAnswer("GET", "/cart", { headers: cartTokenHeader(cartToken) }, cartOfRest),
  guestCheckout: (cartToken) => restAnswer("POST", "/checkout", { headers: cartTokenHeader(cartToken) }, orderOfRest),
  // REST answers a refused merge beside the session (cartError), GraphQL as the error at login.cart.
  loginWithCart: async (email, password, cartToken) => {
    const answer = await restAnswer(
      "POST",
      "/login",
      { body: { email, password }, headers: cartTokenHeader(cartToken) },
      (session: { cart?: CartShape; cartError?: { code: string; reason: string; field?: string } }) => session,
    );
    if ("error" in answer) return answer;
    const { cart, cartError } = answer.data;
    if (cartError) return { error: { code: cartError.code, reason: cartError.reason, field: cartError.field } };
    return { data: { cart: cartOfRest(cart!) } };
  },
  mergeGuestCart: (token, cartToken) =>
    restAnswer("POST", "/cart/merge", { token, headers: cartTokenHeader(cartToken) }, cartOfRest),
};

const steps: Array<Step<GuestStorefront>> = [
  {
    name: "a guest cart: made by the first add without a login, refused at checkout, merged at login, then dead",
    run: async (storefront, customer, catalog) => {
      const first = await storefront.guestAddToCart("", catalog.products.socks, 1);
      const cartToken = "data" in first ? (first.data.cartToken ?? "") : "";
      const second = await storefront.guestAddToCart(cartToken, catalog.products.scarf, 2);
      const read = await storefront.guestCart(cartToken);
      const checkout = await storefront.guestCheckout(cartToken);
      const malformed = await storefront.guestCart("not-a-token");
      const unknown = await storefront.guestCart("A".repeat(43));
      const login = await storefront.loginWithCart(customer.email, PASSWORD, cartToken);
      const afterLogin = await storefront.guestCart(cartToken);
      return {
        tokenLength: cartToken.length,
        first: "data" in first ? { ...first.data, cartToken: "<token>" } : first,
        second,
        read,
        checkout,
        malformed,
        unknown,
        login,
        afterLogin,
      };
    },
    check: (answer, { products }) => {
      const guest = {
        lines: [
          { productId: products.socks, quantity: 1, unitPriceCents: 1250 },
          { productId: products.scarf, quantity: 2, unitPriceCents: 2999 },
        ],
        totalCents: 1250 + 2 * 2999,
      };
      const notFound = errorOf({ code: "NOT_FOUND", reason: "CART_NOT_FOUND", field: "cartToken" });
      expect(answer).toMatchObject({
        tokenLength: 43,
        first: { lines: [{ productId: products.socks, quantity: 1 }], cartToken: "<token>" },
        second: { data: { ...guest, cartToken: null } },
        read: { data: guest },
        checkout: { error: { code: "UNAUTHENTICATED", reason: "GUEST_CHECKOUT_UNSUPPORTED" } },
        malformed: { error: { code: "BAD_USER_INPUT", field: "cartToken" } },
        unknown: notFound,
        login: { data: { cart: guest } },
        afterLogin: notFound,
      });
    },
  },
  {
    name: "a merge refused at login, retried by mergeGuestCart once it fits: merged once, then dead",
    run: async (storefront, customer, { products }) => {
      const token = customer.accessToken;
      await storefront.clearCart(token);
      await storefront.setCartItemQuantity(token, products.socks, 600);
      const guest = await storefront.guestAddToCart("", products.socks, 500);
      const cartToken = "data" in guest ? (guest.data.cartToken ?? "") : "";
      // 600 + 500 units would pass a line's 1,000: refused at login, the guest cart kept, and again until it fits.
      const login = await storefront.loginWithCart(customer.email, PASSWORD, cartToken);
      const stillTooMany = await storefront.mergeGuestCart(token, cartToken);
      const guestKept = await storefront.guestCart(cartToken);
      await storefront.setCartItemQuantity(token, products.socks, 1);
      const merged = await storefront.mergeGuestCart(token, cartToken);
      const again = await storefront.mergeGuestCart(token, cartToken);
      const withoutToken = await storefront.mergeGuestCart(token, "");
      const malformed = await storefront.mergeGuestCart(token, "not-a-token");
      const anonymous = await storefront.mergeGuestCart("", cartToken);
      const after = await storefront.cart(token);
      await storefront.clearCart(token);
      return { login, stillTooMany, guestKept, merged, again, withoutToken, malformed, anonymous, after };
    },
    check: (answer, { products }) => {
      const tooMany = errorOf({ code: "BAD_USER_INPUT", reason: "LIMIT_EXCEEDED", field: "quantity" });
      const mergedCart = { data: { lines: [{ productId: products.socks, quantity: 501 }], totalCents: 501 * 1250 } };
      expect(answer).toMatchObject({
        login: tooMany,
        stillTooMany: tooMany,
        guestKept: { data: { lines: [{ productId: products.socks, quantity: 500 }] } },
        merged: mergedCart,
        again: errorOf({ code: "NOT_FOUND", reason: "CART_NOT_FOUND", field: "cartToken" }),
        withoutToken: errorOf({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "cartToken" }),
        malformed: errorOf({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "cartToken" }),
        anonymous: errorOf({ code: "UNAUTHENTICATED", reason: "LOGIN_REQUIRED" }),
        after: mergedCart,
      });
    },
  },
];

export const guestCartsFlow: Flow<GuestStorefront> = {
  storefronts: { graphql: graphqlGuest, rest: restGuest },
  steps,
  signedIn: true,
};
