import { createHash, randomBytes } from "node:crypto";
import { invalidArgument } from "@polyscale/platform";

/**
 * Guest cart tokens: 32 random bytes (256 bits, unguessable) as base64url, 43 characters. The client keeps the token
 * (the gateway's X-Cart-Token header); the order service stores only its SHA-256 (cartTokenHash), so a leaked
 * database opens no cart.
 */

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new guest cart token. */
export function newCartToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/** The token, if it has a token's shape; INVALID_ARGUMENT (field cartToken) otherwise. */
export function requireCartToken(token: string): string {
  if (!TOKEN_PATTERN.test(token)) {
    throw invalidArgument("cartToken", "must be a cart token as the cart's first answer gave it (43 characters)");
  }
  return token;
}

/** What is stored of a token: its SHA-256 digest (32 bytes). */
export function cartTokenHash(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
