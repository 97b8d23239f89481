import { invalidArgument, type Page } from "@polyscale/platform";
import { pageOf } from "../domain/index.js";

/**
 * Typed reads of JSON bodies and query strings. Each names the field it refuses, so REST answers BAD_USER_INPUT with
 * the same field names as the GraphQL API and the contracts.
 */

type Body = Record<string, unknown>;

/**
 * The width of the contract field an integer goes into. An int32 beyond its range would wrap on the wire, an int64
 * beyond Number.MAX_SAFE_INTEGER would lose digits in JSON: both are refused here (shape); the shop's limits on the
 * value are the services' rules (@polyscale/platform LIMITS).
 */
export type IntegerWidth = "int32" | "int64";

const ranges: Record<IntegerWidth, { min: number; max: number }> = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  int64: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
};

/**
 * An integer within its contract width and, when the field refuses lower values (its OpenAPI `minimum`: 0 for counts
 * and money, 1 for quantities), at least that: the message states the range the field really accepts.
 */
function requireWidth(field: string, value: number, width: IntegerWidth, minimum?: number): number {
  const min = minimum ?? ranges[width].min;
  const max = ranges[width].max;
  if (value < min || value > max) throw invalidArgument(field, `must be between ${min} and ${max}`);
  return value;
}

export function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== "string") throw invalidArgument(field, "is required and must be a string");
  return value;
}

export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidArgument(field, "must be a string");
  return value;
}

/** An integer body field; `minimum` is the one its OpenAPI schema states, when it has one. */
export function requiredInteger(body: Body, field: string, width: IntegerWidth, minimum?: number): number {
  const value = body[field];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw invalidArgument(field, "is required and must be a whole number");
  }
  return requireWidth(field, value, width, minimum);
}

export function optionalInteger(body: Body, field: string, width: IntegerWidth, minimum?: number): number | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredInteger(body, field, width, minimum);
}

export function requiredBoolean(body: Body, field: string): boolean {
  const value = body[field];
  if (typeof value !== "boolean") throw invalidArgument(field, "is required and must be true or false");
  return value;
}

export function requiredArray(body: Body, field: string): unknown[] {
  const value = body[field];
  if (!Array.isArray(value)) throw invalidArgument(field, "is required and must be an array");
  return value;
}

export function asObject(value: unknown, field: string): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "must be an object");
  }
  return value as Body;
}

export function oneOf<T extends string>(value: string, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(field, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** An integer query parameter; `minimum` is the one its OpenAPI schema states, when it has one. */
export function queryInteger(
  query: URLSearchParams,
  field: string,
  width: IntegerWidth,
  minimum?: number,
): number | undefined {
  const raw = query.get(field);
  if (raw === null || raw === "") return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalidArgument(field, "must be a whole number");
  // Number() of a long digit string rounds; a rounded value is past either range, so it is refused, never wrapped.
  return requireWidth(field, Number(raw), width, minimum);
}

export function queryBoolean(query: URLSearchParams, field: string): boolean | undefined {
  const raw = query.get(field);
  if (raw === null || raw === "") return undefined;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw invalidArgument(field, "must be true or false");
}

/** `skip` and `take` of the query string as a page (int32 each; the domain layer's defaults and cap). */
export function queryPage(query: URLSearchParams): Page {
  return pageOf({ skip: queryInteger(query, "skip", "int32", 0), take: queryInteger(query, "take", "int32", 0) });
}
