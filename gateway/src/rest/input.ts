import { invalidArgument } from "@polyscale/platform";

/**
 * Typed reads of JSON bodies and query strings. Each names the field it refuses, so REST answers BAD_USER_INPUT with
 * the same field names as the GraphQL API and the contracts.
 */

type Body = Record<string, unknown>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

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

export function requiredInteger(body: Body, field: string): number {
  const value = body[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw invalidArgument(field, "is required and must be a whole number");
  }
  return value;
}

export function optionalInteger(body: Body, field: string): number | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredInteger(body, field);
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

export function queryInteger(query: URLSearchParams, field: string): number | undefined {
  const raw = query.get(field);
  if (raw === null || raw === "") return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalidArgument(field, "must be a whole number");
  // Query integers (skip, take) are int32 in the contracts: beyond that range they are refused, never wrapped.
  const value = Number(raw);
  if (value < INT32_MIN || value > INT32_MAX) {
    throw invalidArgument(field, `must be between ${INT32_MIN} and ${INT32_MAX}`);
  }
  return value;
}

export function queryBoolean(query: URLSearchParams, field: string): boolean | undefined {
  const raw = query.get(field);
  if (raw === null || raw === "") return undefined;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw invalidArgument(field, "must be true or false");
}
