import { LIMITS } from "@polyscale/platform";
import { PAYMENT_EVENT_KINDS } from "../representations.js";
import { money } from "./fields.js";

/** A payment the provider reports (or an admin records), as the webhook and POST /payments take it. */
export const paymentSchemas = {
  PaymentEvent: {
    type: "object",
    additionalProperties: false,
    required: ["orderId", "kind", "amountCents", "currency", "provider", "providerReference"],
    properties: {
      orderId: { type: "string" },
      kind: { type: "string", enum: PAYMENT_EVENT_KINDS },
      amountCents: { ...money, minimum: 1, maximum: LIMITS.totalMinor },
      currency: { type: "string" },
      provider: { type: "string" },
      providerReference: { type: "string", description: "Unique per provider; replays are recorded once." },
    },
  },
} as const;
