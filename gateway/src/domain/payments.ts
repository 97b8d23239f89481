import type { Order, RecordPaymentRequest } from "@polyscale/order";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { requireAdmin } from "./authorization.js";

/**
 * Payments: captures and refunds go into the order service's ledger, which is idempotent by (provider,
 * providerReference), so a replayed report records nothing new. Two callers may record them: an admin by hand, and the
 * payment provider, whose webhook is authenticated by its transport (the body's signature) as an end user is by their
 * access token.
 */

/** Records a payment by hand: admins only. */
export async function recordPayment(context: GatewayContext, input: RecordPaymentRequest): Promise<Order> {
  requireAdmin(await context.viewer());
  return present((await context.services.order.recordPayment(input)).order, "order");
}

/**
 * Records a payment the provider reports. There is no viewer: the caller must have checked the provider's signature
 * over the body before reading it (rest/webhooks.ts), which is what lets this run without one.
 */
export async function recordProviderPayment(context: GatewayContext, input: RecordPaymentRequest): Promise<Order> {
  return present((await context.services.order.recordPayment(input)).order, "order");
}
