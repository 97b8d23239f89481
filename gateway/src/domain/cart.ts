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

export async function addToCart(context: GatewayContext, productId: string, quantity: number): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.addCartItem({ accountId, productId, quantity }));
}

export async function setCartItemQuantity(context: GatewayContext, productId: string, quantity: number): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.setCartItemQuantity({ accountId, productId, quantity }));
}

export async function removeFromCart(context: GatewayContext, productId: string): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.removeCartItem({ accountId, productId }));
}

export async function clearCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.clearCart({ accountId: await ownAccountId(context) }));
}
