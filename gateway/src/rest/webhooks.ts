import { createHmac, timingSafeEqual } from "node:crypto";
import { unauthenticated } from "@polyscale/platform";
import type { GatewayContext } from "../context.js";
import { orderBody } from "./representations.js";
import * as domain from "../domain/index.js";
import { paymentOfBody } from "./input.js";
import { anonymous, bodyOf, ref, responses } from "./openapi.js";
import { ok, type RestRequest, type Route } from "./router.js";

export const SIGNATURE_HEADER = "x-polyscale-signature";

/** The header value a provider sends for a body: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signatureOf(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** True when the header carries the body's HMAC under the secret; compared in constant time. */
export function hasValidSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? "");
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, "hex"));
}

/**
 * POST /webhooks/payments: the payment provider reports a capture or refund. The signature is checked before the body
 * is even parsed; the ledger is idempotent by (provider, providerReference), so replays record nothing new.
 */
export async function receivePaymentWebhook(context: GatewayContext, secret: string, request: RestRequest) {
  const signature = request.headers[SIGNATURE_HEADER];
  if (!hasValidSignature(secret, await request.rawBody(), typeof signature === "string" ? signature : undefined)) {
    context.logger.warn("payment webhook with a missing or wrong signature");
    throw unauthenticated("INVALID_SIGNATURE", `missing or invalid ${SIGNATURE_HEADER}`);
  }
  // Read as every REST body is (JSON, its fields the PaymentEvent schema's), from the bytes the signature covers.
  const order = await domain.recordProviderPayment(context, paymentOfBody(await request.jsonBody()));
  return orderBody(order);
}

/** POST /webhooks/payments, verified with `secret` (PAYMENT_WEBHOOK_SECRET). */
export function paymentWebhookRoute(secret: string): Route {
  return {
    method: "POST",
    path: "/webhooks/payments",
    operation: {
      operationId: "paymentWebhook",
      tags: ["payments"],
      summary: "Payment provider callback: a capture or refund",
      // Authenticated by the body's signature (X-PolyScale-Signature), not by a caller's token.
      security: anonymous,
      description:
        "Signed with `X-PolyScale-Signature: sha256=<hex HMAC-SHA256 of the raw body>` under " +
        "PAYMENT_WEBHOOK_SECRET. Idempotent by provider reference.",
      parameters: [
        {
          name: "X-PolyScale-Signature",
          in: "header",
          required: true,
          schema: { type: "string", pattern: "^sha256=[0-9a-f]{64}$" },
        },
      ],
      requestBody: bodyOf("PaymentEvent"),
      responses: responses(
        { status: 200, description: "The order after the payment", schema: ref("Order") },
        [400, 401, 404, 409, 413],
      ),
    },
    handle: async (context, request) => ok(await receivePaymentWebhook(context, secret, request)),
  };
}
