import { invalidArgument } from "./errors.js";

export interface Page {
  skip: number;
  take: number;
}

/**
 * Normalises skip/take from a request: negative values are errors, take 0 means the default, and take above the cap
 * is capped rather than refused, as the Go original did.
 */
export function normalizePage(
  request: { skip: number; take: number },
  limits: { defaultTake: number; maxTake: number } = { defaultTake: 100, maxTake: 100 },
): Page {
  if (!Number.isSafeInteger(request.skip) || request.skip < 0) throw invalidArgument("skip", "must not be negative");
  if (!Number.isSafeInteger(request.take) || request.take < 0) throw invalidArgument("take", "must not be negative");
  const take = request.take === 0 ? limits.defaultTake : Math.min(request.take, limits.maxTake);
  return { skip: request.skip, take };
}
