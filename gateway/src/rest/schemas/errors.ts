import { ERROR_REASONS } from "@polyscale/platform";
import { httpStatusOf } from "../../http/errors.js";

/** The error body every refusal answers (its code, reason and field). */
export const errorSchemas = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "reason"],
        properties: {
          code: {
            type: "string",
            enum: Object.keys(httpStatusOf),
          },
          message: { type: "string" },
          reason: {
            type: "string",
            description:
              "Why, stable and machine-readable; switch on it, never on the message. " +
              Object.entries(ERROR_REASONS)
                .map(([reason, meaning]) => `${reason}: ${meaning}`)
                .join(" "),
            enum: Object.keys(ERROR_REASONS),
          },
          field: { type: "string", description: "The camelCase input field at fault." },
          retryAfterSeconds: {
            type: "integer",
            minimum: 1,
            description: "With TOO_MANY_REQUESTS: seconds to wait before trying again (also the Retry-After header).",
          },
        },
      },
    },
  },
} as const;
