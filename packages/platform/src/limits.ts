import { invalidArgument } from "./errors.js";
import { minorToDecimalText } from "./money.js";
import { requireId, requireInteger } from "./validation.js";

/**
 * The shop's upper limits, one place for every service and edge. Storage (bigint) and gRPC (int64) hold more; these
 * are chosen so that every value a shop can reach, including the largest order total (price × line quantity ×
 * products), stays an exact integer in JSON and JavaScript (at most Number.MAX_SAFE_INTEGER, about 9.007 × 10^15), so
 * no API can ever fail to represent what was stored.
 *
 * Money limits are in minor units of the row's currency: 10^10 is USD 100,000,000.00, JPY 10,000,000,000 and
 * BHD 10,000,000.000.
 */
export const LIMITS = {
  /** Highest unit price, in minor units. */
  priceMinor: 10_000_000_000,
  /** Most units of one product on hand. */
  stock: 1_000_000_000,
  /** Most units of one product in one cart or order line. */
  lineQuantity: 1_000,
  /** Most distinct products in one cart or order. */
  orderProducts: 100,
  /** Highest cart or order total and payment amount, in minor units: priceMinor × lineQuantity × orderProducts. */
  totalMinor: 1_000_000_000_000_000,
} as const;

/**
 * An integer in [min, max]; beyond max is INVALID_ARGUMENT with reason LIMIT_EXCEEDED naming the field, whatever the
 * number (10^10 + 1, 2^53 + 1 or 1e20 for a price, Infinity for an amount too large to convert): the limit is checked
 * before the whole-number rule, so no magnitude turns the limit's refusal into INVALID_INPUT. With `majorIn`, the
 * field the client sent is a decimal amount in that currency, so the limit is said in major units.
 */
function requireWithinLimit(
  field: string,
  value: number,
  min: number,
  max: number,
  what: string,
  majorIn?: string,
): number {
  if (value > max) {
    const limit = majorIn === undefined ? String(max) : `${minorToDecimalText(max, majorIn)} ${majorIn}`;
    throw invalidArgument(field, `must be at most ${limit} (the shop's limit for ${what})`, "LIMIT_EXCEEDED");
  }
  return requireInteger(field, value, { min });
}

/**
 * A unit price in minor units: 0 to LIMITS.priceMinor. `majorIn`: the currency of a decimal field the client sent
 * (GraphQL `price`), so that the message states the limit as that client wrote it: "at most 100000000.00 USD".
 */
export function requirePrice(field: string, minor: number, majorIn?: string): number {
  return requireWithinLimit(field, minor, 0, LIMITS.priceMinor, "a price", majorIn);
}

/** Units on hand: 0 to LIMITS.stock. */
export function requireStock(field: string, units: number): number {
  return requireWithinLimit(field, units, 0, LIMITS.stock, "stock");
}

/**
 * A change of units on hand (adjustStock's delta): a whole number, not 0, at most LIMITS.stock either way. Its
 * magnitude is checked first (requireStock), so -1e20 is LIMIT_EXCEEDED as 1e20 is, at every edge.
 */
export function requireStockDelta(field: string, delta: number): number {
  requireStock(field, Math.abs(delta));
  if (delta === 0) throw invalidArgument(field, "must not be zero");
  return delta;
}

/** Units of one product in a cart or order line: 1 to LIMITS.lineQuantity. */
export function requireLineQuantity(field: string, units: number): number {
  return requireWithinLimit(field, units, 1, LIMITS.lineQuantity, "a line's quantity");
}

/** A cart or order total or a payment amount in minor units: min (0 or 1) to LIMITS.totalMinor. */
export function requireTotal(field: string, minor: number, min = 0): number {
  return requireWithinLimit(field, minor, min, LIMITS.totalMinor, "a total");
}

/** One line of an order or a stock reservation: a product (its variant, when named) and its units. */
export interface RequestedOrderLine {
  productId: string;
  /** A variant of the product; absent or empty means its default variant, whose id is the product's. */
  variantId?: string;
  quantity: number;
}

/**
 * The one rule for the lines of an order, and so of its stock reservation: at least one line, each naming a product
 * id (and a variant id, when given) and 1..LIMITS.lineQuantity units, at most LIMITS.orderProducts different
 * variants, and each variant's units within LIMITS.lineQuantity once lines naming it are merged. A line without a
 * variant is one for the product's default variant, which has the product's id. Returns the merged lines, each with
 * its variant id, in the order their variants first appear.
 *
 * @throws AppError INVALID_ARGUMENT naming the field (`lines`, `productId`, `variantId` or `quantity`; LIMIT_EXCEEDED
 * beyond a limit)
 */
export function requireOrderLines(lines: readonly RequestedOrderLine[]): Array<Required<RequestedOrderLine>> {
  if (lines.length === 0) throw invalidArgument("lines", "must hold at least one line");
  const merged = new Map<string, Required<RequestedOrderLine>>();
  for (const line of lines) {
    const productId = requireId("productId", line.productId);
    const variantId = line.variantId ? requireId("variantId", line.variantId) : productId;
    requireLineQuantity("quantity", line.quantity);
    const known = merged.get(variantId);
    if (known && known.productId !== productId) {
      throw invalidArgument("variantId", `variant ${variantId} is named for two products`);
    }
    merged.set(variantId, { productId, variantId, quantity: (known?.quantity ?? 0) + line.quantity });
  }
  if (merged.size > LIMITS.orderProducts) {
    throw invalidArgument("lines", `must name at most ${LIMITS.orderProducts} different products`);
  }
  for (const line of merged.values()) {
    if (line.quantity > LIMITS.lineQuantity) {
      throw invalidArgument(
        "quantity",
        `must be at most ${LIMITS.lineQuantity} in total for ${line.variantId === line.productId ? "product" : "variant"} ${line.variantId}`,
        "LIMIT_EXCEEDED",
      );
    }
  }
  return [...merged.values()];
}
