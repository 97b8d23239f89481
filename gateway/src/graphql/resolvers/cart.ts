import * as domain from "../../domain/index.js";
import type { CartLineResolvers, CartResolvers, MutationResolvers, QueryResolvers } from "../gen/resolvers-types.js";
import { cartLineOf } from "../inputs.js";
import { decimalOf } from "../money.js";

export const Query = {
  cart: (_, _args, { gateway }) => domain.getCart(gateway),
} satisfies QueryResolvers;

export const Mutation = {
  addToCart: (_, args, { gateway }) => domain.addToCart(gateway, cartLineOf(args)),
  setCartItemQuantity: (_, args, { gateway }) => domain.setCartItemQuantity(gateway, cartLineOf(args)),
  removeFromCart: (_, args, { gateway }) => domain.removeFromCart(gateway, cartLineOf(args)),
  clearCart: (_, _args, { gateway }) => domain.clearCart(gateway),
  mergeGuestCart: (_, _args, { gateway }) => domain.mergeGuestCart(gateway),
} satisfies MutationResolvers;

export const types = {
  Cart: {
    // An empty cart has no currency, and so no exponent: its total is 0 in any.
    total: (cart) => (cart.currency === "" ? 0 : decimalOf(cart.totalCents, cart.currency)),
    cartToken: (cart) => cart.cartToken || null,
  } satisfies CartResolvers,
  CartLine: {
    product: (line, _args, { gateway }) => domain.getProduct(gateway, line.productId),
    unitPrice: (line) => decimalOf(line.unitPriceCents, line.currency),
    lineTotal: (line) => decimalOf(line.lineTotalCents, line.currency),
  } satisfies CartLineResolvers,
};
