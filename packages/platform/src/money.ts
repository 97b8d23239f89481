import { invalidArgument } from "./errors.js";

/**
 * Money is integer minor units (cents) plus an ISO 4217 code everywhere inside the system. Decimal amounts exist only
 * at the GraphQL edge, for compatibility with the Go original's `price: Float`; these two functions are that edge.
 * All currencies are treated as having two decimal places.
 */

const MINOR_UNITS_PER_MAJOR = 100;

/** Converts a decimal amount such as 19.99 to minor units (1999) exactly, refusing more than two decimals. */
export function majorToMinor(field: string, amount: number): number {
  if (!Number.isFinite(amount)) throw invalidArgument(field, "must be a finite number");
  // The shortest decimal representation of a double is what the client wrote, so the check is done on the text.
  const text = String(amount);
  if (/e/i.test(text)) throw invalidArgument(field, "is out of range");
  const [whole = "0", fraction = ""] = text.replace("-", "").split(".");
  if (fraction.length > 2) throw invalidArgument(field, "must have at most 2 decimal places");
  const minor = Number(whole) * MINOR_UNITS_PER_MAJOR + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(minor)) throw invalidArgument(field, "is out of range");
  return amount < 0 ? -minor : minor;
}

/** Converts minor units to a decimal amount for display (1999 → 19.99). */
export function minorToMajor(minor: number): number {
  return minor / MINOR_UNITS_PER_MAJOR;
}
