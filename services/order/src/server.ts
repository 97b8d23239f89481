import { bindService, postalAddressOf, type CallerCheck, type Logger, type ServiceBinding } from "@polyscale/platform";
import {
  OrderServiceService,
  OrderStatus as ProtoOrderStatus,
  PaymentKind as ProtoPaymentKind,
  type Order as ProtoOrder,
  type PostalAddress as ProtoPostalAddress,
} from "@polyscale/proto/order/v1/order";
import type { AddressInputs } from "./order-addresses.js";
import type { Order, PaymentKind } from "./model.js";
import type { OrderStatus } from "./order-status.js";
import type { OrderService } from "./service.js";

const protoStatusOf: Record<OrderStatus, ProtoOrderStatus> = {
  PENDING_PAYMENT: ProtoOrderStatus.ORDER_STATUS_PENDING_PAYMENT,
  PAID: ProtoOrderStatus.ORDER_STATUS_PAID,
  FULFILLED: ProtoOrderStatus.ORDER_STATUS_FULFILLED,
  CANCELLED: ProtoOrderStatus.ORDER_STATUS_CANCELLED,
  REFUNDED: ProtoOrderStatus.ORDER_STATUS_REFUNDED,
  EXPIRED: ProtoOrderStatus.ORDER_STATUS_EXPIRED,
};

/** A status named in a request by its domain name; UNSPECIFIED or an unknown number stays unnamed for the service. */
function statusFromProto(status: ProtoOrderStatus): string {
  const entry = Object.entries(protoStatusOf).find(([, value]) => value === status);
  return entry ? entry[0] : "UNSPECIFIED";
}

const protoPaymentKindOf: Record<PaymentKind, ProtoPaymentKind> = {
  CAPTURE: ProtoPaymentKind.PAYMENT_KIND_CAPTURE,
  REFUND: ProtoPaymentKind.PAYMENT_KIND_REFUND,
};

/** PAYMENT_KIND_UNSPECIFIED (or an unknown number) becomes UNSPECIFIED, which the service refuses naming the field. */
function paymentKindFromProto(kind: ProtoPaymentKind): PaymentKind | "UNSPECIFIED" {
  if (kind === ProtoPaymentKind.PAYMENT_KIND_CAPTURE) return "CAPTURE";
  if (kind === ProtoPaymentKind.PAYMENT_KIND_REFUND) return "REFUND";
  return "UNSPECIFIED";
}

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

/** The addresses of a Checkout or PlaceOrder request; a message left unset is no address. */
function addressInputsOf(request: {
  shippingAddress?: ProtoPostalAddress;
  shippingAddressId?: string;
  billingAddress?: ProtoPostalAddress;
  billingAddressId?: string;
}): AddressInputs {
  return {
    shippingAddress: request.shippingAddress && postalAddressOf(request.shippingAddress),
    shippingAddressId: request.shippingAddressId,
    billingAddress: request.billingAddress && postalAddressOf(request.billingAddress),
    billingAddressId: request.billingAddressId,
  };
}

/**
 * Maps OrderService's gRPC methods onto the service: proto in, domain call, proto out. Every method that acts for one
 * account first asks `caller` whether the forwarded end user may (see CallerCheck).
 */
export function orderServiceBinding(service: OrderService, logger: Logger, caller: CallerCheck): ServiceBinding {
  return bindService(
    OrderServiceService,
    {
      getCart: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { cart: await service.getCart(context, request.accountId) };
      },
      addCartItem: async ({ accountId, productId, variantId, quantity }, context) => {
        await caller.requireActingFor(context, accountId);
        return { cart: await service.addCartItem(context, accountId, { productId, variantId, quantity }) };
      },
      setCartItemQuantity: async ({ accountId, productId, variantId, quantity }, context) => {
        await caller.requireActingFor(context, accountId);
        return { cart: await service.setCartItemQuantity(context, accountId, { productId, variantId, quantity }) };
      },
      removeCartItem: async ({ accountId, productId, variantId }, context) => {
        await caller.requireActingFor(context, accountId);
        return { cart: await service.removeCartItem(context, accountId, { productId, variantId }) };
      },
      clearCart: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { cart: await service.clearCart(context, request.accountId) };
      },
      checkout: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        const addresses = addressInputsOf(request);
        return {
          order: toProtoOrder(await service.checkout(context, request.accountId, request.idempotencyKey, addresses)),
        };
      },
      placeOrder: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return {
          order: toProtoOrder(
            await service.placeOrder(
              context,
              request.accountId,
              request.lines,
              request.idempotencyKey,
              addressInputsOf(request),
            ),
          ),
        };
      },
      getOrder: async (request, context) => {
        const order = await service.getOrder(request.id);
        await caller.requireActingFor(context, order.accountId);
        return { order: toProtoOrder(order) };
      },
      listOrders: async (request, context) => {
        // All accounts' orders (accountId empty) are an admin's: the empty id matches no customer's token.
        await caller.requireActingFor(context, request.accountId);
        const { accountId, createdFrom, createdTo } = request;
        const page = await service.listOrders(
          { accountId, statuses: request.statuses.map(statusFromProto), createdFrom, createdTo },
          request,
        );
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
        await caller.requireActingFor(context, (await service.getOrder(request.id)).accountId);
        return { order: toProtoOrder(await service.cancelOrder(context, request.id)) };
      },
      markFulfilled: async (request, context) => {
        await caller.requireAdmin(context);
        return { order: toProtoOrder(await service.markFulfilled(context, request.id)) };
      },
      recordPayment: async (request, context) => ({
        order: toProtoOrder(
          await service.recordPayment(context, { ...request, kind: paymentKindFromProto(request.kind) }),
        ),
      }),
    },
    logger,
  );
}
