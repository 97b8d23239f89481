import * as domain from "../../domain/index.js";
import type {
  MutationResolvers,
  OrderedProductResolvers,
  OrderResolvers,
  QueryResolvers,
} from "../gen/resolvers-types.js";
import { withInputNames } from "../errors.js";
import { decimalOf } from "../money.js";
import { defined, orderAddressesOf, orderFilterOf } from "../inputs.js";

export const Query = {
  order: (_, args, { gateway }) => domain.findOrder(gateway, args.id),
  myOrders: (_, args, { gateway }) => domain.myOrders(gateway, domain.pageOf(args.pagination)),
  orders: (_, args, { gateway }) => domain.listOrders(gateway, defined(args.accountId), domain.pageOf(args.pagination)),
  myOrderPage: (_, args, { gateway }) =>
    domain.findMyOrders(gateway, orderFilterOf(args.filter), domain.pageOf(args.pagination)),
  orderPage: (_, args, { gateway }) =>
    domain.findOrders(
      gateway,
      { ...orderFilterOf(args.filter), accountId: defined(args.accountId), email: defined(args.email) },
      domain.pageOf(args.pagination),
    ),
} satisfies QueryResolvers;

export const Mutation = {
  createOrder: (_, { order, idempotencyKey }, { gateway }) =>
    withInputNames(
      domain.placeOrder(gateway, {
        accountId: order.accountId,
        lines: order.products.map((line) => ({
          productId: line.id,
          variantId: defined(line.variantId),
          quantity: line.quantity,
        })),
        idempotencyKey,
        addresses: orderAddressesOf(order),
      }),
      // OrderInput's lines are `products`, each product's id `id`.
      { lines: "products", productId: "id" },
    ),
  checkout: (_, args, { gateway }) => domain.checkout(gateway, args.idempotencyKey, orderAddressesOf(args)),
  cancelOrder: (_, args, { gateway }) => domain.cancelOrder(gateway, args.id),
  markFulfilled: (_, args, { gateway }) => domain.markFulfilled(gateway, args.id),
} satisfies MutationResolvers;

export const types = {
  Order: {
    totalPrice: (order) => decimalOf(order.totalCents, order.currency),
    // A line's decimal price needs the order's currency.
    products: (order) => order.lines.map((line) => ({ ...line, currency: order.currency })),
  } satisfies OrderResolvers,
  OrderedProduct: {
    id: (line) => line.productId,
    price: (line) => decimalOf(line.unitPriceCents, line.currency),
    priceCents: (line) => line.unitPriceCents,
  } satisfies OrderedProductResolvers,
};
