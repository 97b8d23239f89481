import argon2 from "argon2";

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
