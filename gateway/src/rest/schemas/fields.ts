import { LIMITS } from "@polyscale/platform";

/** The field shapes the component schemas share: references, counts, money, instants, a line's quantity. */

/**
 * An integer as the document states it: `format` is the width of the contract field it goes into; `minimum` and
 * `maximum` the range the shop accepts (a service's rule; the edge refuses only what the width cannot carry).
 */
export interface IntegerSchema {
  readonly type: "integer";
  readonly format: "int32" | "int64";
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A reference to a component schema by name (rest/openapi.ts ref() is the typed one the routes use). */
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A count that goes into an int32 contract field. */
export const int32Count = { type: "integer", format: "int32", minimum: 0, maximum: 2 ** 31 - 1 } as const;

/** A line's variant, where a client may name one: absent means the product's default variant. */
export const variantIdProperty = {
  type: "string",
  format: "uuid",
  description: "A variant of the product; its default variant (whose id is the product's) when absent.",
} as const;

/**
 * Integers as JSON numbers: int64 in the contracts, always within Number.MAX_SAFE_INTEGER, so every JSON client reads
 * them exactly; the shop's limits (@polyscale/platform LIMITS) bound what the services accept.
 */
export const safeInteger = { type: "integer", format: "int64", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
/** An amount of money, in minor units of the object's `currency`. */
export const money = {
  ...safeInteger,
  description:
    "Minor units of `currency` (ISO 4217 exponent): JPY 1000 is ¥1000, USD 1999 is $19.99, BHD 1234 is BD 1.234.",
} as const;
/** A count of units, non-negative, described. */
export const units = (description: string) => ({ ...safeInteger, description });
/** An instant, as an RFC 3339 date-time. */
export const instant = { type: "string", format: "date-time" } as const;
/** The units of one product in a cart or an order line (the order service's rule, LIMITS.lineQuantity). */
export const lineQuantity = { type: "integer", format: "int32", minimum: 1, maximum: LIMITS.lineQuantity } as const;
