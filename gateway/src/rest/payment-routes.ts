import * as domain from "../domain/index.js";
import { paymentOfBody } from "./input.js";
import { bearer, bodyOf, ref, responses } from "./openapi.js";
import { orderBody } from "./representations.js";
import { ok, type Route } from "./router.js";

/**
 * Payments an admin records by hand (the provider's own reports come through the signed webhook, webhooks.ts): the
 * same body and ledger, idempotent by (provider, providerReference).
 */
export function paymentRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/payments",
      operation: {
        operationId: "recordPayment",
        tags: ["payments"],
        summary: "Record a capture or refund of an order (admins only); a replayed reference records nothing new",
        security: bearer,
        requestBody: bodyOf("PaymentEvent"),
        responses: responses(
          { status: 200, description: "The order after the payment", schema: ref("Order") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        return ok(orderBody(await domain.recordPayment(context, paymentOfBody(await request.jsonBody()))));
      },
    },
  ];
}
