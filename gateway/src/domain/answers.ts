import { AppError } from "@polyscale/platform";

/**
 * A message field a service always sets (proto3 makes every message field optional): INTERNAL if it is missing,
 * since that is a broken service, not anything the client did.
 */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AppError("INTERNAL", `${what} missing from a service response`);
  return value;
}
