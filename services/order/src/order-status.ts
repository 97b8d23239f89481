import { failedPrecondition, requireOneOf, type AppError, type EnumInput } from "@polyscale/platform";
import { ORDER_STATUSES, type OrderStatus, type ReservationEffect } from "./model.js";

/**
 * The order state machine, written as data so the whole lifecycle reads in one place. A transition may carry an
 * effect on the stock reservation in the product service; it is queued durably in the transaction of the status change
 * (pending_reservation_effects) and applied once that has committed, retried until the product service confirms it. The status change itself is a conditional UPDATE (see
 * updateOrderStatus in repository.ts), so of two concurrent transitions out of one status exactly one wins.
 */

/** Statuses named in a request, each once: INVALID_ARGUMENT naming `field` for one that is unset or not a status. */
export function requireOrderStatuses(
  field: string,
  values: ReadonlyArray<EnumInput<OrderStatus> | undefined>,
): OrderStatus[] {
  return [...new Set(values.map((value) => requireOneOf(field, value, ORDER_STATUSES)))];
}

export interface OrderTransition {
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  readonly effect?: ReservationEffect;
}

export const ORDER_TRANSITIONS: readonly OrderTransition[] = [
  { from: "pending_payment", to: "paid", effect: "commit_reservation" },
  { from: "pending_payment", to: "cancelled", effect: "release_reservation" },
  // Not paid within ORDER_PAYMENT_TIMEOUT_SECONDS: the expiry sweep (reconciler.ts) gives the stock back.
  { from: "pending_payment", to: "expired", effect: "release_reservation" },
  { from: "paid", to: "fulfilled" },
  { from: "paid", to: "refunded" },
];

/** The allowed transition from one status to another; FAILED_PRECONDITION for any other pair. */
export function transitionFor(from: OrderStatus, to: OrderStatus): OrderTransition {
  const transition = ORDER_TRANSITIONS.find((candidate) => candidate.from === from && candidate.to === to);
  if (!transition) throw refusedTransition(from, to);
  return transition;
}

/** The error for a transition the table does not allow, or one that lost a race to another transition. */
export function refusedTransition(from: OrderStatus, to: OrderStatus): AppError {
  return failedPrecondition(
    to === "cancelled" ? "ORDER_NOT_CANCELLABLE" : "ORDER_STATUS_CONFLICT",
    `cannot move order from ${from} to ${to}`,
  );
}

/**
 * What the stock reservation of an order in this status must end up as: the effect of the transition that led out
 * of pending_payment, if any. The reconciler uses it to finish effects whose call to the product service failed.
 */
export function reservationEffectOf(status: OrderStatus): ReservationEffect | undefined {
  const into = ORDER_TRANSITIONS.find((transition) => transition.to === status);
  if (!into) return undefined;
  return into.effect ?? reservationEffectOf(into.from);
}
