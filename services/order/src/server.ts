import {
  bindService,
  enumFromProto,
  postalAddressOf,
  type RequestContext,
  type ServiceBinding,
  type ServiceBindingOptions,
} from "@polyscale/platform";
import {
  OrderServiceService,
  OrderStatus as ProtoOrderStatus,
  PaymentKind as ProtoPaymentKind,
  type Cart as ProtoCart,
  type CheckoutRequest,
  type Order as ProtoOrder,
} from "@polyscale/proto/order/v1/order";
import type { CartOwnerInput } from "./cart.js";
import { orderNotFound } from "./client.js";
import type { OrderAddressesInput } from "./order-addresses.js";
import type { Cart, Order, OrderStatus, PaymentKind } from "./model.js";
import type { OrderService } from "./service.js";

const protoStatusOf: Record<OrderStatus, ProtoOrderStatus> = {
  pending_payment: ProtoOrderStatus.ORDER_STATUS_PENDING_PAYMENT,
  paid: ProtoOrderStatus.ORDER_STATUS_PAID,
  fulfilled: ProtoOrderStatus.ORDER_STATUS_FULFILLED,
  cancelled: ProtoOrderStatus.ORDER_STATUS_CANCELLED,
  refunded: ProtoOrderStatus.ORDER_STATUS_REFUNDED,
  expired: ProtoOrderStatus.ORDER_STATUS_EXPIRED,
};

const protoPaymentKindOf: Record<PaymentKind, ProtoPaymentKind> = {
  capture: ProtoPaymentKind.PAYMENT_KIND_CAPTURE,
  refund: ProtoPaymentKind.PAYMENT_KIND_REFUND,
};

function toProtoOrder(order: Order): ProtoOrder {
  return {
    ...order,
    status: protoStatusOf[order.status],
    paymentDueAt: order.paymentDueAt ?? undefined,
    shippingAddress: order.shippingAddress ?? undefined,
    billingAddress: order.billingAddress ?? undefined,
    payments: order.payments.map((payment) => ({ ...payment, kind: protoPaymentKindOf[payment.kind] })),
  };
}

/** The addresses of a Checkout or PlaceOrder request (the same four fields); a message left unset is no address. */
function orderAddressesOf(request: CheckoutRequest): OrderAddressesInput {
  return {
    shippingAddress: request.shippingAddress && postalAddressOf(request.shippingAddress),
    shippingAddressId: request.shippingAddressId,
    billingAddress: request.billingAddress && postalAddressOf(request.billingAddress),
    billingAddressId: request.billingAddressId,
  };
}

function toProtoCart(cart: Cart): ProtoCart {
  return { ...cart, cartToken: cart.cartToken ?? "" };
}

/**
 * Maps OrderService's gRPC methods onto the service: proto in, domain call, proto out. Every method that acts for one
 * account first asks `caller` whether the forwarded end user may (see CallerCheck).
 */
export function orderServiceBinding({ service, caller, logger }: ServiceBindingOptions<OrderService>): ServiceBinding {
  /**
   * Whose cart a cart call is about (the service's rule, cartOwner): an account, which the caller must act for, or a
   * guest cart, whose token is the credential.
   */
  const ownerOf = async (context: RequestContext, request: CartOwnerInput) => {
    const owner = service.cartOwner(request);
    if (typeof owner === "string") await caller.requireActingFor(context, owner);
    return owner;
  };
  return bindService(
    OrderServiceService,
    {
      getCart: async (request, context) => ({
        cart: toProtoCart(await service.getCart(context, await ownerOf(context, request))),
      }),
      addCartItem: async ({ productId, variantId, quantity, ...request }, context) => ({
        cart: toProtoCart(
          await service.addCartItem(context, {
            owner: await ownerOf(context, request),
            productId,
            variantId,
            quantity,
          }),
        ),
      }),
      setCartItemQuantity: async ({ productId, variantId, quantity, ...request }, context) => ({
        cart: toProtoCart(
          await service.setCartItemQuantity(context, {
            owner: await ownerOf(context, request),
            productId,
            variantId,
            quantity,
          }),
        ),
      }),
      removeCartItem: async ({ productId, variantId, ...request }, context) => ({
        cart: toProtoCart(
          await service.removeCartItem(context, { owner: await ownerOf(context, request), productId, variantId }),
        ),
      }),
      clearCart: async (request, context) => ({
        cart: toProtoCart(await service.clearCart(context, await ownerOf(context, request))),
      }),
      mergeGuestCart: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { cart: toProtoCart(await service.mergeGuestCart(context, request)) };
      },
      checkout: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        const { accountId, idempotencyKey } = request;
        return {
          order: toProtoOrder(
            await service.checkout(context, { accountId, idempotencyKey, ...orderAddressesOf(request) }),
          ),
        };
      },
      placeOrder: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        const { accountId, lines, idempotencyKey } = request;
        return {
          order: toProtoOrder(
            await service.placeOrder(context, { accountId, lines, idempotencyKey, ...orderAddressesOf(request) }),
          ),
        };
      },
      getOrder: async (request, context) => {
        const order = await service.getOrder(request.id);
        await caller.requireOwnerOf(context, order.accountId, () => orderNotFound(request.id, "id"));
        return { order: toProtoOrder(order) };
      },
      listOrders: async (request, context) => {
        // All accounts' orders (accountId empty) are an admin's: the empty id matches no customer's token.
        await caller.requireActingFor(context, request.accountId);
        const { accountId, createdFrom, createdTo, skip, take } = request;
        const page = await service.listOrders({
          accountId,
          statuses: request.statuses.map((status) => enumFromProto(protoStatusOf, status)),
          createdFrom,
          createdTo,
          skip,
          take,
        });
        return {
          orders: page.orders.map(toProtoOrder),
          totalCount: page.totalCount,
          totalCountIsExact: page.totalCountIsExact,
        };
      },
      listOrdersForAccounts: async (request, context) => {
        await caller.requireActingFor(context, ...request.accountIds);
        return {
          accounts: (await service.listOrdersForAccounts(request.accountIds)).map((entry) => ({
            accountId: entry.accountId,
            orders: entry.orders.map(toProtoOrder),
          })),
        };
      },
      cancelOrder: async (request, context) => {
        const { accountId } = await service.getOrder(request.id);
        await caller.requireOwnerOf(context, accountId, () => orderNotFound(request.id, "id"));
        return { order: toProtoOrder(await service.cancelOrder(context, request.id)) };
      },
      markFulfilled: async (request, context) => {
        await caller.requireAdmin(context);
        return { order: toProtoOrder(await service.markFulfilled(context, request.id)) };
      },
      recordPayment: async (request, context) => {
        // An admin by hand, or an internal call (the gateway's webhook, after checking the provider's signature).
        await caller.requireAdmin(context);
        const kind = enumFromProto(protoPaymentKindOf, request.kind);
        return { order: toProtoOrder(await service.recordPayment(context, { ...request, kind })) };
      },
    },
    logger,
  );
}
