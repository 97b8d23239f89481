import { invalidArgument } from "./errors.js";

/**
 * Money is integer minor units plus an ISO 4217 code everywhere inside the system: 1999 USD is $19.99, 1000 JPY is
 * ¥1000, 1234 BHD is BD 1.234. The exponent (digits after the decimal point) is the currency's ISO 4217 minor unit, as
 * Node's ICU data knows it. Decimal amounts exist only at the GraphQL edge, for compatibility with the Go original's
 * `price: Float`; the functions below are that edge.
 */

const isoCurrencies = new Set(Intl.supportedValuesOf("currency"));

/** Whether `code` is an ISO 4217 currency code (upper case, e.g. "EUR"), per Node's ICU data. */
export function isIsoCurrency(code: string): boolean {
  return isoCurrencies.has(code);
}

// Each known currency's exponent, read once: building an Intl.NumberFormat costs tens of microseconds and every
// conversion asks. Only ISO codes are kept, so what callers pass cannot grow it past ICU's list.
const exponents = new Map<string, number>();

/** The ISO 4217 minor-unit exponent of a known currency: JPY 0, USD 2, BHD 3. */
export function currencyExponent(currency: string): number {
  const known = exponents.get(currency);
  if (known !== undefined) return known;
  const exponent =
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  if (isIsoCurrency(currency)) exponents.set(currency, exponent);
  return exponent;
}

/**
 * Converts a decimal amount in `currency` to minor units exactly (19.99 USD → 1999, 1000 JPY → 1000, 1.234 BHD →
 * 1234). More decimals than the currency has are INVALID_ARGUMENT (TOO_MANY_DECIMALS) naming the field.
 */
export function majorToMinor(field: string, amount: number, currency: string): number {
  if (!Number.isFinite(amount)) throw invalidArgument(field, "must be a finite number");
  const exponent = currencyExponent(currency);
  // The shortest decimal representation of a double is what the client wrote, so the check is done on the text.
  const text = String(amount);
  if (/e/i.test(text)) throw invalidArgument(field, "is out of range");
  const [whole = "0", fraction = ""] = text.replace("-", "").split(".");
  if (fraction.length > exponent) {
    throw invalidArgument(field, `must have at most ${exponent} decimal places in ${currency}`, "TOO_MANY_DECIMALS");
  }
  const minor = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || "0");
  if (!Number.isSafeInteger(minor)) throw invalidArgument(field, "is out of range");
  return amount < 0 ? -minor : minor;
}

/**
 * Minor units of `currency` as exact decimal text with all of the currency's places (1999 USD → "19.99", 1000 JPY →
 * "1000", 10^10 BHD → "10000000.000"), for messages about major-unit fields.
 */
export function minorToDecimalText(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return minor < 0 ? `-${text}` : text;
}

/** Converts minor units of `currency` to a decimal amount for display (1999 USD → 19.99, 1000 JPY → 1000). */
export function minorToMajor(minor: number, currency: string): number {
  return minor / 10 ** currencyExponent(currency);
}
