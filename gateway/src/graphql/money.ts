import { LIMITS, majorToMinor, minorToMajor, requirePrice } from "@polyscale/platform";

/**
 * The GraphQL money edge: decimal amounts (the Go original's `price: Float`) in, integer minor units of the ISO 4217
 * currency out, and back. A decimal with more places than the currency has is BAD_USER_INPUT naming the field.
 */
export function centsOf(field: string, amount: number, currency: string): number;
export function centsOf(field: string, amount: number | null | undefined, currency: string): number | undefined;
export function centsOf(field: string, amount: number | null | undefined, currency: string): number | undefined {
  return amount === null || amount === undefined ? undefined : majorToMinor(field, amount, currency);
}

/**
 * A decimal unit price as minor units within the shop's price limit. The product service applies the same platform
 * rule to `priceCents`; checking it here too lets the error name the field this client sent, `price`, and state the
 * limit in its units (major units of the currency).
 */
export function priceCentsOf(field: string, amount: number | null | undefined, currency: string): number | undefined {
  if (amount === null || amount === undefined) return undefined;
  // An amount too large to convert exactly (1e20) is beyond the limit as well: refused as the limit (LIMIT_EXCEEDED),
  // as REST refuses any priceCents over it, not as an unconvertible number.
  const beyond = amount > minorToMajor(LIMITS.priceMinor, currency);
  return requirePrice(field, beyond ? Number.POSITIVE_INFINITY : centsOf(field, amount, currency), currency);
}

export const decimalOf = minorToMajor;
