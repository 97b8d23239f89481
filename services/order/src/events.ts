import { domainEvent, type DomainEvent, type EventName } from "@polyscale/platform";
import type { Order, OrderStatus, Payment } from "./model.js";

/**
 * The events the order service writes to its outbox (catalogue: proto/polyscale/events/v1/events.proto), built from
 * its own types. Each is written in the transaction of the change it reports. The catalogue's statuses and payment
 * kinds are UPPER ("PENDING_PAYMENT", "CAPTURE"), as it has always published them (its fields only ever grow), so the
 * domain's lower snake_case values are written in upper case, as account's roles are.
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
const STATUS_EVENTS: Readonly<Record<Exclude<OrderStatus, "pending_payment">, EventName>> = {
  paid: "order.paid",
  cancelled: "order.cancelled",
  expired: "order.expired",
  fulfilled: "order.fulfilled",
  refunded: "order.refunded",
};

/** order.paid, order.cancelled, …: the order moved from one status to another. */
export function orderMoved(
  order: Pick<Order, "id" | "accountId" | "totalCents" | "currency">,
  from: OrderStatus,
  to: OrderStatus,
): DomainEvent {
  if (to === "pending_payment") throw new Error("no order moves back into pending_payment");
  const name = STATUS_EVENTS[to];
  return domainEvent(name as "order.paid", order.id, {
    orderId: order.id,
    accountId: order.accountId,
    fromStatus: from.toUpperCase(),
    toStatus: to.toUpperCase(),
    totalCents: order.totalCents,
    currency: order.currency,
  });
}

export function paymentRecorded(payment: Omit<Payment, "createdAt">): DomainEvent {
  return domainEvent("payment.recorded", payment.orderId, {
    paymentId: payment.id,
    orderId: payment.orderId,
    kind: payment.kind.toUpperCase(),
    amountCents: payment.amountCents,
    currency: payment.currency,
    provider: payment.provider,
    providerReference: payment.providerReference,
  });
}
