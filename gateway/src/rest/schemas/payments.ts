import { LIMITS } from "@polyscale/platform";
import { money } from "./fields.js";

/** A payment the provider reports (or an admin records), as the webhook and POST /payments take it. */
export const paymentSchemas = {
  PaymentEvent: {
    type: "object",
    additionalProperties: false,
    required: ["orderId", "kind", "amountCents", "currency", "provider", "providerReference"],
    properties: {
      orderId: { type: "string" },
      kind: { type: "string", enum: ["capture", "refund"] },
      amountCents: { ...money, minimum: 1, maximum: LIMITS.totalMinor },
      currency: { type: "string" },
      provider: { type: "string" },
      providerReference: { type: "string", description: "Unique per provider; replays are recorded once." },
    },
  },
} as const;
