import { calculateJwkThumbprint, exportJWK, SignJWT, type JSONWebKeySet } from "jose";
import {
  createHash,
  createHmac,
  createPrivateKey,
  hkdfSync,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from "@polyscale/platform";
import type { Role } from "./model.js";

export interface AccessToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs access tokens with one Ed25519 key and publishes its public half as a JWK Set, so that verifiers never hold
 * the secret. The key id (kid) is the key's RFC 7638 thumbprint, which lets verifiers pick the key after a rotation.
 */
export class AccessTokenSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly keyId: string,
    /** The public keys as JSON text of a JWK Set. */
    readonly jwksJson: string,
    /** Lifetime of the access tokens it signs. */
    readonly ttlSeconds: number,
  ) {}

  /**
   * From an Ed25519 private key (JWT_PRIVATE_KEY, checked by readConfig, or the development key), or a random key
   * when none is given (tests: tokens then stop verifying when the process restarts).
   */
  static async create(options: { privateKey?: KeyObject; ttlSeconds: number }): Promise<AccessTokenSigner> {
    const privateKey = options.privateKey ?? generateKeyPairSync("ed25519").privateKey;
    const publicJwk = await exportJWK(createPublicKey(privateKey));
    const keyId = await calculateJwkThumbprint(publicJwk);
    const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid: keyId, alg: TOKEN_ALGORITHM, use: "sig" }] };
    return new AccessTokenSigner(privateKey, keyId, JSON.stringify(jwks), options.ttlSeconds);
  }

  /**
   * An access token: sub = account id, role, sid = session (refresh-token family) id, gen = the account's token
   * generation, which gateways compare against revocations (see sql/120_access_revocations.sql).
   */
  async sign(subject: { accountId: string; role: Role; sessionId: string; generation: number }): Promise<AccessToken> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const token = await new SignJWT({ role: subject.role, sid: subject.sessionId, gen: subject.generation })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: "JWT", kid: this.keyId })
      .setSubject(subject.accountId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.privateKey);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /**
   * A 32-byte secret derived from the signing key (HKDF-SHA256, RFC 5869) for one purpose named by `label`: every
   * replica holding the key derives the same secret, and it changes when the key does.
   */
  deriveSecret(label: string): Buffer {
    const keyMaterial = this.privateKey.export({ format: "der", type: "pkcs8" });
    return Buffer.from(hkdfSync("sha256", keyMaterial, Buffer.alloc(0), label, 32));
  }
}

/** Where the development signing key is kept, under DATA_DIR (beside, not inside, the embedded database's folder). */
export const DEVELOPMENT_KEY_FILE = "keys/account-signing-key.pem";

/**
 * The development signing key kept at `file` (PKCS#8 PEM, readable by the owner only), made on first use, so that
 * access tokens and refresh-grace successors survive a restart of the account service. Never used in production,
 * where JWT_PRIVATE_KEY is required.
 */
export async function developmentSigningKey(file: string): Promise<KeyObject> {
  return createPrivateKey(await developmentSigningKeyPem(file));
}

/** The PEM text of the development key at `file`, written on first use. */
async function developmentSigningKeyPem(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  await mkdir(path.dirname(file), { recursive: true });
  // "wx": of two processes starting at once, one writes and the other reads what it wrote.
  try {
    await writeFile(file, pem, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readFile(file, "utf8");
  }
  return pem;
}

/**
 * Longest refresh or emailed token accepted as input: ours are 43 characters; anything much longer is not one of ours.
 */
export const MAX_REFRESH_TOKEN_LENGTH = 256;

/** A new opaque refresh token: 32 random bytes, base64url. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The refresh token that rotating `token` hands out: HMAC-SHA256 under a secret derived from the signing key, base64url
 * (the same 43-character shape as a random one). Derived rather than random so that a repeated use of `token` within
 * the grace window can hand out the same successor again although only its hash is stored.
 */
export function successorRefreshToken(secret: Buffer, token: string): string {
  return createHmac("sha256", secret).update(token).digest("base64url");
}

/** What is stored instead of the refresh token itself. */
export function hashRefreshToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
