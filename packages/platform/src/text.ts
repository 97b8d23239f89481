import { invalidArgument } from "./errors.js";

// With the u flag a well-formed pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Text every edge accepts (gRPC servers, GraphQL arguments, REST bodies and query strings). PostgreSQL cannot store
 * NUL in text, and a lone UTF-16 surrogate is not Unicode at all (protobuf and JSON encoders mangle it), so either is
 * refused with INVALID_ARGUMENT naming the field; everything else is normalised to NFC, so that "é" typed as one code
 * point or as e + U+0301 is stored and compared as the same string (Unicode Standard Annex #15).
 */
export function cleanText(field: string, value: string): string {
  if (value.includes("\u0000")) throw invalidArgument(field, "must not contain the NUL character");
  if (LONE_SURROGATE.test(value)) throw invalidArgument(field, "must not contain unpaired UTF-16 surrogates");
  return value.normalize("NFC");
}

/**
 * cleanText applied to every string inside a value (objects, arrays, nested), in place for objects and arrays; each
 * string is named by its own key (the camelCase field of the contracts), or by `field` at the top. Returns the value.
 */
export function cleanTextDeep<T>(value: T, field = "input"): T {
  if (typeof value === "string") return cleanText(field, value) as T;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    for (let index = 0; index < items.length; index++) items[index] = cleanTextDeep(items[index], field);
  } else if (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  ) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = cleanTextDeep(record[key], key);
  }
  return value;
}
