import { majorToMinor, minorToMajor } from "@polyscale/platform";

/**
 * The GraphQL money edge: decimal amounts (the Go original's `price: Float`) in, integer cents out, and back.
 * A decimal with more than two places is BAD_USER_INPUT naming the field.
 */
export function centsOf(field: string, amount: number): number;
export function centsOf(field: string, amount: number | null | undefined): number | undefined;
export function centsOf(field: string, amount: number | null | undefined): number | undefined {
  return amount === null || amount === undefined ? undefined : majorToMinor(field, amount);
}

export const decimalOf = minorToMajor;
