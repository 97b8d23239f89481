import {
  requireInteger,
  requireLineQuantity,
  requirePrice,
  requireStock,
  requireStockDelta,
  requireTotal,
} from "@polyscale/platform";

/** The range of integers a contract field carries: int32 (GraphQL Int) or int64 within JSON's exact integers. */
export interface IntegerWidth {
  readonly min: number;
  readonly max: number;
}

export const INT32: IntegerWidth = { min: -(2 ** 31), max: 2 ** 31 - 1 };
export const SAFE_INTEGER: IntegerWidth = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** A rule refusing an integer `value` for `field` (AppError INVALID_ARGUMENT naming it), else returning it. */
type IntegerRule = (field: string, value: number) => number;

/**
 * The platform rule of an integer input field, by the name the contracts give it: the one the services apply to it.
 * Pagination's (normalizePage) caps a large take rather than refusing it, so within the Int the contracts give them.
 */
const rules: Record<string, IntegerRule> = {
  quantity: requireLineQuantity,
  priceCents: requirePrice,
  stock: requireStock,
  delta: requireStockDelta,
  amountCents: (field, value) => requireTotal(field, value, 1),
  skip: (field, value) => requireInteger(field, value, { min: 0, max: INT32.max }),
  take: (field, value) => requireInteger(field, value, { min: 0, max: INT32.max }),
};

/**
 * Refuses an integer its contract field cannot carry (beyond `width`, or no whole number) as the platform rule of the
 * field `name` (`stock` of `variants[1].stock`) refuses it, else as any integer of that width: both skins answer a
 * value past the width so (GraphQL's scalars, graphql/input-errors.ts; REST's readers, rest/input.ts), so 1e20 for
 * `delta` or `take` is told one thing whichever the client used (LIMIT_EXCEEDED "must be at most 1000000000 (the
 * shop's limit for stock)"; "take: must be at most 2147483647"). Returns the value when it passes.
 */
export function requireIntegerOfWidth(field: string, name: string, value: number, width: IntegerWidth): number {
  const rule = rules[name];
  if (rule) rule(field, value);
  return requireInteger(field, value, width);
}
