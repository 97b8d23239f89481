import { domainEvent, type DomainEvent, type EventName } from "@polyscale/platform";
import type { Order, OrderStatus, Payment } from "./model.js";

/**
 * The events the order service writes to its outbox (catalogue: proto/polyscale/events/v1/events.proto), built from
 * its own types. Each is written in the transaction of the change it reports.
 */

export function orderPlaced(order: Order): DomainEvent {
  return domainEvent("order.placed", order.id, {
    orderId: order.id,
    accountId: order.accountId,
    lines: order.lines.map((line) => ({
      productId: line.productId,
      variantId: line.variantId,
      sku: line.sku,
      name: line.name,
      unitPriceCents: line.unitPriceCents,
      quantity: line.quantity,
      lineTotalCents: line.lineTotalCents,
    })),
    totalCents: order.totalCents,
    currency: order.currency,
    createdAt: order.createdAt,
  });
}

/** The event of each status an order can move into. */
const STATUS_EVENTS: Readonly<Record<Exclude<OrderStatus, "PENDING_PAYMENT">, EventName>> = {
  PAID: "order.paid",
  CANCELLED: "order.cancelled",
  EXPIRED: "order.expired",
  FULFILLED: "order.fulfilled",
  REFUNDED: "order.refunded",
};

/** order.paid, order.cancelled, …: the order moved from one status to another. */
export function orderMoved(
  order: Pick<Order, "id" | "accountId" | "totalCents" | "currency">,
  from: OrderStatus,
  to: OrderStatus,
): DomainEvent {
  if (to === "PENDING_PAYMENT") throw new Error("no order moves back into PENDING_PAYMENT");
  const name = STATUS_EVENTS[to];
  return domainEvent(name as "order.paid", order.id, {
    orderId: order.id,
    accountId: order.accountId,
    fromStatus: from,
    toStatus: to,
    totalCents: order.totalCents,
    currency: order.currency,
  });
}

export function paymentRecorded(payment: Omit<Payment, "createdAt">): DomainEvent {
  return domainEvent("payment.recorded", payment.orderId, {
    paymentId: payment.id,
    orderId: payment.orderId,
    kind: payment.kind,
    amountCents: payment.amountCents,
    currency: payment.currency,
    provider: payment.provider,
    providerReference: payment.providerReference,
  });
}
