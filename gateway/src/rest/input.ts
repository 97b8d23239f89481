import {
  ADDRESS_FIELD_LIMITS,
  AppError,
  invalidArgument,
  requireInstant,
  requireInteger,
  requireOneOf,
  type Page,
  type PostalAddress,
} from "@polyscale/platform";
import type { RecordPaymentRequest } from "@polyscale/order";
import { INT32, pageOf, requireIntegerOfWidth, SAFE_INTEGER, type OrderAddressInput } from "../domain/index.js";
import { pageParameters } from "./openapi.js";
import { PAYMENT_EVENT_KINDS, paymentEventKindByName } from "./representations.js";
import { schemas, type IntegerSchema } from "./schemas/index.js";

/**
 * Typed reads of JSON bodies and query strings. Each names the field it refuses, so REST answers BAD_USER_INPUT with
 * the same field names as the GraphQL API and the contracts.
 */

type Body = Record<string, unknown>;

const widths = { int32: INT32, int64: SAFE_INTEGER } as const;

/**
 * A whole number the contract field can carry, per its OpenAPI schema (rest/schemas/): an int32 beyond its range
 * would wrap on the wire, an int64 beyond Number.MAX_SAFE_INTEGER would lose digits in JSON, so both are refused as
 * GraphQL refuses them, by the field's platform rule (requireIntegerOfWidth: 1e20 for `delta` is LIMIT_EXCEEDED,
 * for `take` "must be at most 2147483647", through either skin). Below the schema's `minimum` it is refused as the
 * services refuse it (requireInteger: the same message at every edge); within the width the services' other rules
 * (the shop's LIMITS) stay theirs.
 */
function requireWidth(field: string, value: number, schema: IntegerSchema): number {
  const width = widths[schema.format];
  if (!(value >= width.min && value <= width.max)) requireIntegerOfWidth(field, field, value, width);
  return requireInteger(field, value, { min: schema.minimum });
}

/** An object schema of the document with an integer property `field`. */
type WithInteger<Field extends string> = { readonly properties: { readonly [F in Field]: IntegerSchema } };

/**
 * The property `field` of body, which must be given (absent or null: "is required"); a value that is there but of
 * the wrong kind is refused by the reader with what is wrong with it, never as missing.
 */
function present(body: Body, field: string): unknown {
  const value = body[field];
  if (value === undefined || value === null) throw invalidArgument(field, "is required");
  return value;
}

/** The string property `field` of body (of a nested object: read it `within` its path). */
export function requiredString(body: Body, field: string): string {
  const value = present(body, field);
  if (typeof value !== "string") throw invalidArgument(field, "must be a string");
  return value;
}

export function optionalString(body: Body, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredString(body, field);
}

/** The integer property `field` of a body of the object `schema` (the document's, so its width is stated once). */
export function requiredInteger<Field extends string>(body: Body, schema: WithInteger<Field>, field: Field): number {
  const value = present(body, field);
  if (typeof value !== "number") throw invalidArgument(field, "must be a whole number");
  return requireWidth(field, value, schema.properties[field]);
}

export function optionalInteger<Field extends string>(
  body: Body,
  schema: WithInteger<Field>,
  field: Field,
): number | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredInteger(body, schema, field);
}

export function requiredBoolean(body: Body, field: string): boolean {
  const value = present(body, field);
  if (typeof value !== "boolean") throw invalidArgument(field, "must be true or false");
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredBoolean(body, field);
}

export function requiredArray(body: Body, field: string): unknown[] {
  const value = present(body, field);
  if (!Array.isArray(value)) throw invalidArgument(field, "must be an array");
  return value;
}

export function asObject(value: unknown, field: string): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "must be an object");
  }
  return value as Body;
}

/**
 * `error` with its field renamed by `rename` (undefined: kept), the message's leading field too (invalidArgument's
 * "field: problem" form); anything but an AppError with a field is `error` itself.
 */
function renamed(error: unknown, rename: (field: string) => string | undefined): unknown {
  if (!(error instanceof AppError) || error.field === undefined) return error;
  const field = rename(error.field);
  if (field === undefined) return error;
  const message = error.message.startsWith(`${error.field}:`)
    ? `${field}${error.message.slice(error.field.length)}`
    : error.message;
  return new AppError(error.code, message, field, error.reason);
}

/**
 * Reads a nested object of a body with `read`, whose readers name its fields as if it were the body: their
 * refusals name them under `path` (`priceCents` of `variants[1]` is `variants[1].priceCents`), so every nested
 * field is named by where the client wrote it, whichever reader refuses it.
 */
export function within<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw renamed(error, (field) => `${path}.${field}`);
  }
}

/**
 * The answer of a domain call, its refusals naming fields as the REST operation does (`rename`: the domain's or a
 * service's name, after the contracts and GraphQL's arguments, to the REST body field or query parameter;
 * undefined keeps it), so a REST client is told the name it sent.
 */
export async function underRestNames<T>(call: Promise<T>, rename: (field: string) => string | undefined): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw renamed(error, rename);
  }
}

/** An integer query parameter, as the route's operation describes it (its name and schema). */
export function queryInteger(
  query: URLSearchParams,
  parameter: { name: string; schema: IntegerSchema },
): number | undefined {
  const field = parameter.name;
  const raw = query.get(field);
  if (raw === null || raw === "") return undefined;
  // A number as JSON writes it (5, 1e20, 1.5), read as a body's is; anything else is no whole number.
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) throw invalidArgument(field, "must be a whole number");
  // Number() of a long digit string rounds; a rounded value is past either range, so it is refused, never wrapped.
  return requireWidth(field, Number(raw), parameter.schema);
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
  return pageOf({ skip: queryInteger(query, pageParameters.skip), take: queryInteger(query, pageParameters.take) });
}

/** An RFC 3339 date-time query parameter (requireInstant). */
export function queryInstant(query: URLSearchParams, field: string): Date | undefined {
  const raw = query.get(field);
  return raw === null || raw === "" ? undefined : requireInstant(field, raw);
}

/** A list query parameter, repeated (`?status=A&status=B`) or comma-separated (`?status=A,B`), each one of `allowed`. */
export function queryList<T extends string>(query: URLSearchParams, field: string, allowed: readonly T[]): T[] {
  return query
    .getAll(field)
    .flatMap((value) => value.split(","))
    .filter(Boolean)
    .map((value) => requireOneOf(field, value, allowed));
}

/** The fields of a postal address, in the platform's order. */
const POSTAL_FIELDS = Object.keys(ADDRESS_FIELD_LIMITS) as (keyof PostalAddress)[];

/** The address fields present in `body` (`prefix.field` names a wrong type): strings, absent ones left out. */
export function addressFieldsOf(body: Body, prefix: string): Partial<PostalAddress> {
  const fields: Partial<PostalAddress> = {};
  for (const field of POSTAL_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string")
      throw invalidArgument(prefix === "" ? field : `${prefix}.${field}`, "must be a string");
    fields[field] = value;
  }
  return fields;
}

/**
 * A postal address from a JSON object: absent fields are "" and the account or order service's rule says which are
 * required, so REST and GraphQL answer a missing field with the same message.
 */
export function postalAddressOfBody(body: Body, prefix = ""): PostalAddress {
  return {
    ...Object.fromEntries(POSTAL_FIELDS.map((field) => [field, ""])),
    ...addressFieldsOf(body, prefix),
  } as PostalAddress;
}

/**
 * The addresses of an order from a body (POST /checkout, POST /order): `shippingAddress` and `billingAddress` objects
 * or `shippingAddressId` and `billingAddressId` strings, each optional; the order service checks them.
 */
export function orderAddressesOfBody(body: Body): OrderAddressInput {
  const written = (field: string) =>
    body[field] === undefined || body[field] === null
      ? undefined
      : postalAddressOfBody(asObject(body[field], field), field);
  return {
    shippingAddress: written("shippingAddress"),
    shippingAddressId: optionalString(body, "shippingAddressId"),
    billingAddress: written("billingAddress"),
    billingAddressId: optionalString(body, "billingAddressId"),
  };
}

/** A payment from a PaymentEvent body (the provider's webhook, an admin's POST /payments): kind capture or refund. */
export function paymentOfBody(body: Body): RecordPaymentRequest {
  return {
    orderId: requiredString(body, "orderId"),
    kind: paymentEventKindByName.get(requireOneOf("kind", requiredString(body, "kind"), PAYMENT_EVENT_KINDS))!,
    amountCents: requiredInteger(body, schemas.PaymentEvent, "amountCents"),
    currency: requiredString(body, "currency"),
    provider: requiredString(body, "provider"),
    providerReference: requiredString(body, "providerReference"),
  };
}
