import { invalidArgument } from "@polyscale/platform";
import type { Cart } from "@polyscale/order";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { ownAccountId } from "./authorization.js";

/**
 * The cart: the signed-in caller's own, or for an anonymous caller the guest cart of the X-Cart-Token header (the
 * first add without one creates a guest cart and answers its token once, Cart.cartToken). Logging in or registering
 * with the header merges the guest cart into the account's (mergeGuestCartAtSignIn, called by sessions.ts); a signed-in
 * caller can merge one later (mergeGuestCart), e.g. after a merge refused at login.
 */

/** Whose cart a call is about: the caller's account, else the guest cart of X-Cart-Token ("" before one exists). */
async function ownerOf(context: GatewayContext): Promise<{ accountId: string; cartToken?: string }> {
  const viewer = await context.viewer();
  if (viewer) return { accountId: viewer.accountId };
  return { accountId: "", cartToken: context.cartToken ?? "" };
}

/**
 * The owner of a call that adds units: an anonymous caller without X-Cart-Token is about to create a guest cart, a
 * stored row that lives for the guest-cart TTL, so creations count against the client address's anonymous allowance
 * (in a bucket of their own, apart from registrations'); TOO_MANY_REQUESTS once it is spent (OWASP API4:2023,
 * unrestricted resource consumption).
 */
async function ownerForAdd(context: GatewayContext): Promise<{ accountId: string; cartToken?: string }> {
  const owner = await ownerOf(context);
  if (owner.cartToken === "") await context.throttle.countAnonymous(`guest cart from ${context.clientIp}`);
  return owner;
}

function cartOf(response: { cart?: Cart }): Cart {
  return present(response.cart, "cart");
}

export async function getCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.getCart(await ownerOf(context)));
}

/** Which cart line a call names: a product and, optionally, one of its variants (absent: its default variant). */
export interface CartLineRef {
  productId: string;
  variantId?: string;
}

/** Adds units of a variant to the caller's cart (the order service's rules: CartService.addCartItem). */
export async function addToCart(context: GatewayContext, line: CartLineRef & { quantity: number }): Promise<Cart> {
  return cartOf(await context.services.order.addCartItem({ ...(await ownerForAdd(context)), ...line }));
}

/** Sets the units of a variant's line in the caller's cart, creating it if needed. */
export async function setCartItemQuantity(
  context: GatewayContext,
  line: CartLineRef & { quantity: number },
): Promise<Cart> {
  return cartOf(await context.services.order.setCartItemQuantity({ ...(await ownerForAdd(context)), ...line }));
}

/** Takes a variant's line out of the caller's cart (none is no error). */
export async function removeFromCart(context: GatewayContext, line: CartLineRef): Promise<Cart> {
  return cartOf(await context.services.order.removeCartItem({ ...(await ownerOf(context)), ...line }));
}

export async function clearCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.clearCart(await ownerOf(context)));
}

/**
 * With an X-Cart-Token header, moves that guest cart into the account's cart (a login or registration just made it
 * the caller's) and answers the account's cart; without the header, undefined. A refused merge (limits, an unknown or
 * expired token) is the order service's coded error, both carts left as they were.
 */
export async function mergeGuestCartAtSignIn(context: GatewayContext, accountId: string): Promise<Cart | undefined> {
  if (context.cartToken === undefined) return undefined;
  return cartOf(await context.services.order.mergeGuestCart({ accountId, cartToken: context.cartToken }));
}

/**
 * The mergeGuestCart operation: the signed-in caller merges the guest cart of X-Cart-Token into its own cart, by the
 * same call and rules as the merge at login (CartService.mergeGuestCart: quantities add, all or nothing within the
 * cart's limits and one currency), e.g. once a merge refused at login would now fit. UNAUTHENTICATED without a login;
 * BAD_USER_INPUT (field cartToken) without the header or with a malformed token; NOT_FOUND CART_NOT_FOUND for a token
 * already merged (so a retried merge never adds its units twice), expired or never issued.
 */
export async function mergeGuestCart(context: GatewayContext): Promise<Cart> {
  const accountId = await ownAccountId(context);
  const merged = await mergeGuestCartAtSignIn(context, accountId);
  if (merged === undefined) {
    throw invalidArgument("cartToken", "send the guest cart's token, as its first add answered it, in X-Cart-Token");
  }
  return merged;
}
