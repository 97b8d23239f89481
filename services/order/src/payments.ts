import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  newId,
  recordEvents,
  requireCurrency,
  requireOneOf,
  requireId,
  requireText,
  requireTotal,
  type AppError,
  type Database,
  type EnumInput,
  type RequestContext,
} from "@polyscale/platform";
import { orderNotFound } from "./client.js";
import {
  PAYMENT_KINDS,
  type NewPayment,
  type Order,
  type OrderStatus,
  type Payment,
  type PaymentKind,
} from "./model.js";
import { orderMoved, paymentRecorded } from "./events.js";
import { requireOrder } from "./lookups.js";
import { countOrderEvent } from "./metrics.js";
import { refusedTransition, transitionFor } from "./order-status.js";
import * as repository from "./repository.js";
import type { ReservationEffects } from "./reservation-effects.js";

const MAX_PROVIDER_LENGTH = 100;
const MAX_PROVIDER_REFERENCE_LENGTH = 200;

export interface PaymentServiceOptions {
  database: Database;
  /** Commits or releases the order's stock once a payment (or a late capture's expiry) has moved it. */
  effects: ReservationEffects;
}

/** RecordPayment as asked, unchecked. */
export interface RecordPaymentInput {
  orderId: string;
  /** Required: unset (undefined) or a value the contract does not define is refused. */
  kind: EnumInput<PaymentKind> | undefined;
  amountCents: number;
  currency: string;
  provider: string;
  providerReference: string;
}

/**
 * The payment ledger of orders: captures and refunds, each recorded once per (provider, providerReference), moving
 * the order to paid or refunded when the sums say so.
 */
export class PaymentService {
  constructor(private readonly options: PaymentServiceOptions) {}

  /**
   * Adds a capture or refund to the ledger and moves the order when the sums say so, in one transaction that holds
   * the order's row lock. A replay of a recorded (provider, providerReference) returns the order unchanged. A payment
   * in another currency than the order's is INVALID_ARGUMENT CURRENCY_MISMATCH (field currency), recording nothing.
   */
  async recordPayment(context: RequestContext, input: RecordPaymentInput): Promise<Order> {
    const payment = validatePayment(input);
    const { effect, expired, moved } = await this.options.database.transaction(async (tx) => {
      const order = await repository.lockOrder(tx, payment.orderId);
      if (!order) throw orderNotFound(payment.orderId, "orderId");
      const recorded = await repository.findPaymentByReference(tx, payment.provider, payment.providerReference);
      if (recorded) {
        if (!isSamePayment(recorded, payment)) throw referenceTaken();
        return { effect: undefined, expired: undefined };
      }
      // The window is the window: a capture after it is refused even if no sweep has expired the order yet, so the
      // answer never depends on when the sweep last ran. The order expires here, in this transaction.
      if (payment.kind === "capture" && isOverdue(order)) {
        const transition = transitionFor(order.status, "expired");
        await repository.updateOrderStatus(tx, order.id, transition.from, transition.to);
        await repository.enqueueReservationEffect(tx, order.id, transition.effect!);
        await recordEvents(tx, [orderMoved(order, transition.from, transition.to)]);
        return { effect: transition.effect, expired: order, moved: transition.to };
      }
      if (payment.kind === "capture" && order.status === "expired") return { effect: undefined, expired: order };
      if (payment.currency !== order.currency) {
        throw invalidArgument("currency", `must be the order's currency, ${order.currency}`, "CURRENCY_MISMATCH");
      }
      const next = nextStatusAfterPayment(order, payment);
      if (!(await repository.insertPayment(tx, payment))) throw referenceTaken();
      if (next === undefined) {
        await recordEvents(tx, [paymentRecorded(payment)]);
        return { effect: undefined, expired: undefined };
      }
      const transition = transitionFor(order.status, next);
      // The row lock makes this succeed; the condition stays as the one rule every transition follows.
      if (!(await repository.updateOrderStatus(tx, order.id, transition.from, transition.to))) {
        throw refusedTransition(order.status, next);
      }
      if (transition.effect) await repository.enqueueReservationEffect(tx, order.id, transition.effect);
      await recordEvents(tx, [paymentRecorded(payment), orderMoved(order, transition.from, transition.to)]);
      return { effect: transition.effect, expired: undefined, moved: transition.to };
    });
    if (moved) countOrderEvent(moved);
    // The status change is committed; a failure of the effect is logged and retried from the queue.
    if (effect) await this.options.effects.attempt(context, { orderId: payment.orderId, effect });
    if (expired) throw paymentAfterExpiry(expired);
    return requireOrder(this.options.database, payment.orderId);
  }
}

/** The payment an input describes, every field checked (INVALID_ARGUMENT naming it) before anything is read. */
function validatePayment(input: RecordPaymentInput): NewPayment {
  requireId("orderId", input.orderId);
  const kind = requireOneOf("kind", input.kind, PAYMENT_KINDS);
  return {
    id: newId(),
    orderId: input.orderId,
    kind,
    amountCents: requireTotal("amountCents", input.amountCents, 1),
    currency: requireCurrency("currency", input.currency),
    provider: requireText("provider", input.provider, { max: MAX_PROVIDER_LENGTH }),
    providerReference: requireText("providerReference", input.providerReference, {
      max: MAX_PROVIDER_REFERENCE_LENGTH,
    }),
  };
}

/** An unpaid order whose payment window has passed, whether or not the sweep has expired it yet. */
function isOverdue(order: Order): boolean {
  return (
    order.status === "pending_payment" && order.paymentDueAt !== null && order.paymentDueAt.getTime() <= Date.now()
  );
}

/** The refusal of a capture on an expired order; the provider reads it as "refund this payment". */
function paymentAfterExpiry(order: Order): AppError {
  return failedPrecondition(
    "ORDER_EXPIRED",
    `order ${order.id} expired unpaid at ${order.paymentDueAt?.toISOString() ?? "its deadline"} and its stock was ` +
      "released; the payment was not recorded: refund it",
    "orderId",
  );
}

function isSamePayment(recorded: Payment, payment: NewPayment): boolean {
  return (
    recorded.orderId === payment.orderId &&
    recorded.kind === payment.kind &&
    recorded.amountCents === payment.amountCents &&
    recorded.currency === payment.currency
  );
}

function referenceTaken(): AppError {
  return alreadyExists(
    "PROVIDER_REFERENCE_REUSED",
    "providerReference: was already recorded for a different payment",
    "providerReference",
  );
}

/** The status a new payment moves the order to, if any; FAILED_PRECONDITION when the order cannot take it. */
function nextStatusAfterPayment(order: Order, payment: NewPayment): OrderStatus | undefined {
  const captured = sumOf(order.payments, "capture");
  const refunded = sumOf(order.payments, "refund");
  if (payment.kind === "capture") {
    if (order.status !== "pending_payment") {
      throw failedPrecondition("ORDER_NOT_PAYABLE", `cannot capture a payment for an order that is ${order.status}`);
    }
    // Checked under the order's row lock, so concurrent captures cannot together exceed the total.
    const outstanding = order.totalCents - captured;
    if (payment.amountCents > outstanding) {
      throw failedPrecondition(
        "CAPTURE_EXCEEDS_OUTSTANDING",
        `amountCents: must be at most the outstanding ${outstanding}`,
        "amountCents",
      );
    }
    return captured + payment.amountCents === order.totalCents ? "paid" : undefined;
  }
  // An order that expired after a partial capture keeps its status; the ledger records the money given back.
  if (order.status !== "paid" && order.status !== "expired") {
    throw failedPrecondition("ORDER_NOT_REFUNDABLE", `cannot refund an order that is ${order.status}`);
  }
  const refundable = captured - refunded;
  if (payment.amountCents > refundable) {
    throw failedPrecondition(
      "REFUND_EXCEEDS_CAPTURED",
      `amountCents: must be at most the refundable ${refundable}`,
      "amountCents",
    );
  }
  if (order.status === "expired") return undefined;
  return refunded + payment.amountCents === captured ? "refunded" : undefined;
}

function sumOf(payments: readonly Payment[], kind: PaymentKind): number {
  return payments.filter((payment) => payment.kind === kind).reduce((sum, payment) => sum + payment.amountCents, 0);
}
