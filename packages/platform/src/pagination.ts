import { requireInteger } from "./validation.js";

export interface Page {
  skip: number;
  take: number;
}

/**
 * Normalises skip/take from a request: negative values are errors (requireInteger's "must be at least 0", the words
 * REST's reading of the same parameters uses), take 0 means the default, and take above the cap is capped rather than
 * refused, as the Go original did.
 */
export function normalizePage(
  request: { skip: number; take: number },
  limits: { defaultTake: number; maxTake: number } = { defaultTake: 100, maxTake: 100 },
): Page {
  requireInteger("skip", request.skip, { min: 0 });
  requireInteger("take", request.take, { min: 0 });
  const take = request.take === 0 ? limits.defaultTake : Math.min(request.take, limits.maxTake);
  return { skip: request.skip, take };
}
