import type { Cart } from "@polyscale/order";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { ownAccountId } from "./authorization.js";

/** The cart: always the caller's own. */

function cartOf(response: { cart?: Cart }): Cart {
  return present(response.cart, "cart");
}

export async function getCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.getCart({ accountId: await ownAccountId(context) }));
}

/** Which cart line a call names: a product and, optionally, one of its variants (absent: its default variant). */
export interface CartLineRef {
  productId: string;
  variantId?: string;
}

/** Adds units of a variant to the caller's cart (the order service's rules: CartService.addCartItem). */
export async function addToCart(context: GatewayContext, line: CartLineRef & { quantity: number }): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.addCartItem({ accountId, ...line }));
}

/** Sets the units of a variant's line in the caller's cart, creating it if needed. */
export async function setCartItemQuantity(
  context: GatewayContext,
  line: CartLineRef & { quantity: number },
): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.setCartItemQuantity({ accountId, ...line }));
}

/** Takes a variant's line out of the caller's cart (none is no error). */
export async function removeFromCart(context: GatewayContext, line: CartLineRef): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.removeCartItem({ accountId, ...line }));
}

export async function clearCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.clearCart({ accountId: await ownAccountId(context) }));
}
