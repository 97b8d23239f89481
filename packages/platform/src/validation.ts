import { invalidArgument } from "./errors.js";
import { isIsoCurrency } from "./money.js";
import { isId } from "./ids.js";

/**
 * Small checks used at every service edge. Each throws INVALID_ARGUMENT with a message that names the field, so a
 * caller always learns what to fix; none of them writes anything.
 */

/** A character that shows: a letter, digit, symbol or punctuation (not only format, space or control characters). */
const VISIBLE = /[\p{L}\p{N}\p{S}\p{P}]/u;

/**
 * Trimmed text of min..max code points (min 1 unless given). Text that must not be empty must also show something: a
 * name of only zero-width or format characters ("\u200b") is as empty as "   ".
 * @throws INVALID_ARGUMENT naming the field
 */
export function requireText(field: string, value: string, limits: { min?: number; max: number }): string {
  const text = value.trim();
  const min = limits.min ?? 1;
  const length = [...text].length;
  if (length < min || (min > 0 && !VISIBLE.test(text))) {
    throw invalidArgument(field, min === 1 ? "must not be empty" : `must be at least ${min} characters`);
  }
  if (length > limits.max) throw invalidArgument(field, `must be at most ${limits.max} characters`);
  return text;
}

export function requireId(field: string, value: string): string {
  if (!isId(value)) throw invalidArgument(field, "must be a valid id");
  return value;
}

export function requireIds(field: string, values: readonly string[], limits: { max: number }): string[] {
  if (values.length > limits.max) throw invalidArgument(field, `must hold at most ${limits.max} ids`);
  for (const value of values) requireId(field, value);
  return [...new Set(values)];
}

/**
 * A whole number in [min, max]: "must be a whole number", "must be at least min", "must be at most max". A magnitude
 * past every exact integer (1e20, 2^53 + 1, Infinity) is told the bound it passes when there is one, as the shop's
 * limits are (limits.ts), not "a whole number": it is one, too large, and every edge then says the same of it.
 */
export function requireInteger(field: string, value: number, limits: { min?: number; max?: number }): number {
  const beyondExact = Math.abs(value) > Number.MAX_SAFE_INTEGER;
  if (!beyondExact && !Number.isSafeInteger(value)) throw invalidArgument(field, "must be a whole number");
  if (limits.min !== undefined && value < limits.min) throw invalidArgument(field, `must be at least ${limits.min}`);
  if (limits.max !== undefined && value > limits.max) throw invalidArgument(field, `must be at most ${limits.max}`);
  if (beyondExact) throw invalidArgument(field, "must be a whole number");
  return value;
}

/**
 * `value` when it is one of `allowed`, e.g. an enum field of a request (`EnumInput`); otherwise, undefined (an unset
 * enum) too, INVALID_ARGUMENT naming the field: "must be one of A, B".
 */
export function requireOneOf<Allowed extends string>(
  field: string,
  value: string | undefined,
  allowed: readonly Allowed[],
): Allowed {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw invalidArgument(field, `must be one of ${allowed.join(", ")}`);
  return found;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by sending mail, not by regex.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The one form of an email address that names an account: NFC-normalised, trimmed, lowercased. Whatever keys on an
 * email (accounts, the gateway's login and reset throttles) uses this, so no spelling variant counts as another one.
 */
export function canonicalEmail(value: string): string {
  return value.normalize("NFC").trim().toLowerCase();
}

/** A valid email address in canonical form (canonicalEmail); at most 254 characters (RFC 5321). */
export function requireEmail(field: string, value: string): string {
  const email = canonicalEmail(value);
  if (email.length === 0) throw invalidArgument(field, "must not be empty");
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) throw invalidArgument(field, "must be a valid email address");
  return email;
}

/** An ISO 4217 currency code, uppercased. */
export function requireCurrency(field: string, value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw invalidArgument(field, "must be a three-letter ISO 4217 currency code");
  if (!isIsoCurrency(code)) throw invalidArgument(field, `${code} is not an ISO 4217 currency`, "CURRENCY_UNKNOWN");
  return code;
}

const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An instant written as an RFC 3339 date-time with its offset (2024-05-01T12:00:00Z, …+02:00), as the GraphQL Time
 * scalar and REST query strings take it; a date without time or offset, or an impossible one (February 30, hour 24),
 * is INVALID_ARGUMENT. JavaScript's Date alone would roll February 30 over into March.
 */
export function requireInstant(field: string, value: unknown): Date {
  const parts = typeof value === "string" ? RFC_3339.exec(value) : null;
  const [year = 0, month = 0, day = 0, hour = 0] = (parts ?? []).slice(1, 5).map(Number);
  const date = parts ? new Date(parts[0]) : undefined;
  const real =
    date !== undefined &&
    !Number.isNaN(date.getTime()) &&
    new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day &&
    hour < 24;
  if (!real) throw invalidArgument(field, "must be an RFC 3339 date-time");
  return date;
}

// C0 and C1 controls (tab and newline included), the line and paragraph separators, and the bidirectional embeddings,
// overrides and isolates, which can make a label print other than it reads.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * One line of text (a label, an address field, an image's alt text): no control characters, line breaks or
 * bidirectional overrides, then as requireText (trimmed, min..max code points, min 1 unless given).
 * @throws INVALID_ARGUMENT naming the field
 */
export function requireLine(field: string, value: string, limits: { min?: number; max: number }): string {
  if (CONTROL_CHARACTERS.test(value))
    throw invalidArgument(field, "must not contain control characters or line breaks");
  return requireText(field, value, limits);
}

/**
 * An absolute https URL that a browser may fetch as it is (an image, a link), parsed by the WHATWG URL Standard's
 * parser (Node's URL, as browsers parse it) and returned serialised by it (`HTTPS://Example.COM/a b` becomes
 * `https://example.com/a%20b`). Refused: anything that does not parse as an absolute URL (a relative path), any scheme
 * but https (http:, javascript:, data:), user name or password in it (they would be sent to the host and shown to
 * every reader), spaces or control characters the parser would silently drop or encode, and more than max characters
 * (before or after serialisation).
 * @throws INVALID_ARGUMENT naming the field
 */
export function requireHttpsUrl(field: string, value: string, limits: { max: number }): string {
  if (value.length > limits.max) throw invalidArgument(field, `must be at most ${limits.max} characters`);
  // The parser strips leading and trailing spaces and controls and drops tabs and newlines inside: refuse them rather
  // than store a URL other than the one given.
  if (CONTROL_CHARACTERS.test(value) || /\s/u.test(value)) {
    throw invalidArgument(field, "must be a URL without spaces or control characters");
  }
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url) throw invalidArgument(field, "must be an absolute URL, e.g. https://cdn.example.com/a.jpg");
  if (url.protocol !== "https:") throw invalidArgument(field, "must be an https URL");
  if (url.username !== "" || url.password !== "") {
    throw invalidArgument(field, "must not contain a user name or password");
  }
  if (url.href.length > limits.max) throw invalidArgument(field, `must be at most ${limits.max} characters`);
  return url.href;
}
