import { majorToMinor, minorToMajor } from "@polyscale/platform";

/**
 * The GraphQL money edge: decimal amounts (the Go original's `price: Float`) in, integer minor units of the ISO 4217
 * currency out, and back. A decimal with more places than the currency has is BAD_USER_INPUT naming the field.
 */
export function centsOf(field: string, amount: number, currency: string): number;
export function centsOf(field: string, amount: number | null | undefined, currency: string): number | undefined;
export function centsOf(field: string, amount: number | null | undefined, currency: string): number | undefined {
  return amount === null || amount === undefined ? undefined : majorToMinor(field, amount, currency);
}

export const decimalOf = minorToMajor;
