import { invalidArgument } from "@polyscale/platform";
import argon2 from "argon2";

/** Shortest password a new or changed password may be. */
export const MIN_PASSWORD_LENGTH = 8;
// Bounds the hashing work one request can cause.
const MAX_PASSWORD_LENGTH = 1024;

/** Argon2id with the OWASP minimum parameters (19 MiB, 2 passes, 1 lane). */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

// Hashed once, on first use, with the same parameters as real hashes so that checking it costs the same time.
let dummyHash: Promise<string> | undefined;

/**
 * True when the password matches the hash. Without a hash (no such account, or one without credentials) it still
 * verifies against a dummy hash and answers false, so the time taken does not reveal which emails exist.
 */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  if (!hash) {
    dummyHash ??= hashPassword("polyscale-dummy-password");
    await argon2.verify(await dummyHash, password);
    return false;
  }
  return argon2.verify(hash, password);
}

/**
 * A password from `field`, taken as given (never trimmed), of `min`..1024 characters (characters, not bytes);
 * INVALID_ARGUMENT naming the field otherwise.
 */
export function requirePassword(field: string, value: string, min: number): string {
  const length = [...value].length;
  if (length === 0) throw invalidArgument(field, "must not be empty");
  if (length < min) throw invalidArgument(field, `must be at least ${min} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw invalidArgument(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  return value;
}
