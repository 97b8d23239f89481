import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Logger } from "pino";
import { unauthenticated } from "./errors.js";
import type { CallContext } from "./grpc-client.js";

/** The roles an account can have; an access token's `role` claim is one of them. */
export const ACCOUNT_ROLES = ["customer", "admin"] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** Who is calling: the account id and role from a verified access token. */
export interface Viewer {
  readonly accountId: string;
  readonly role: AccountRole;
}

/** What a valid access token says: the viewer, and the session claims revocation checks need. */
export interface VerifiedToken {
  viewer: Viewer;
  session: { accountId: string; sessionId: string; generation: number };
}

/**
 * The claims and algorithm of every access token: the account service signs with them and every verifier (gateway,
 * services) requires them. Defined here only, so signer and verifiers cannot drift apart.
 */
export const TOKEN_ISSUER = "polyscale-account";
export const TOKEN_AUDIENCE = "polyscale";
export const TOKEN_ALGORITHM = "EdDSA";

/** gRPC metadata key carrying the end user's access token from the gateway to the services (identity propagation). */
export const ACCESS_TOKEN_KEY = "x-polyscale-access-token";

/**
 * A key set is fetched again for an unknown key id at most this often: forged kids cost the account service at most
 * one call per interval, and a real new key is picked up within it.
 */
const REFETCH_COOLDOWN_MS = 5_000;

/** Where the signing keys come from: the account service's client (GetSigningKeys), or the account service itself. */
export interface SigningKeySource {
  getSigningKeys(request: object, context?: CallContext): Promise<{ jwksJson: string }>;
}

/** What an AccessTokenVerifier (and the CallerCheck built on one) is made from. */
export interface AccessTokenVerifierOptions {
  account: SigningKeySource;
  /** Where a fetch of the key set is logged. */
  logger: Logger;
}

/**
 * Verifies access-token signatures (EdDSA JWTs) against the account service's public keys (GetSigningKeys, a JWK
 * Set). The key set is fetched on first use and cached; a key id the cache does not know triggers one refetch (rate
 * limited), which is how a key rotation arrives. Revocation is the caller's business (the gateway checks it).
 */
export class AccessTokenVerifier {
  private readonly account: SigningKeySource;
  private readonly logger: Logger;
  private keySet?: JWTVerifyGetKey;
  private fetchedAt = 0;
  private fetching?: Promise<JWTVerifyGetKey>;

  constructor(options: AccessTokenVerifierOptions) {
    this.account = options.account;
    this.logger = options.logger;
  }

  /** The token's claims; UNAUTHENTICATED (TOKEN_INVALID, or TOKEN_EXPIRED also for a retired key) when not valid. */
  async verify(token: string, context: CallContext): Promise<VerifiedToken> {
    const keySet = this.keySet ?? (await this.fetchKeys(context));
    try {
      return await this.verifyWith(token, keySet);
    } catch (error) {
      const unknownKey = error instanceof joseErrors.JWKSNoMatchingKey;
      if (!unknownKey) throw rejection(error);
      if (Date.now() - this.fetchedAt < REFETCH_COOLDOWN_MS) throw retiredKey();
      const refreshed = await this.fetchKeys(context);
      return this.verifyWith(token, refreshed).catch((retryError: unknown) => {
        throw retryError instanceof joseErrors.JWKSNoMatchingKey ? retiredKey() : rejection(retryError);
      });
    }
  }

  private async verifyWith(token: string, keySet: JWTVerifyGetKey): Promise<VerifiedToken> {
    const { payload } = await jwtVerify(token, keySet, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: [TOKEN_ALGORITHM],
      requiredClaims: ["sub", "exp"],
    });
    const role = typeof payload.role === "string" ? roleOf(payload.role) : undefined;
    if (!payload.sub || !role) throw unauthenticated("TOKEN_INVALID", "access token lacks its subject or role");
    return {
      viewer: { accountId: payload.sub, role },
      session: {
        accountId: payload.sub,
        sessionId: typeof payload.sid === "string" ? payload.sid : "",
        generation: typeof payload.gen === "number" ? payload.gen : 0,
      },
    };
  }

  /** One fetch at a time; callers that arrive meanwhile share it. */
  private fetchKeys(context: CallContext): Promise<JWTVerifyGetKey> {
    this.fetching ??= this.account
      .getSigningKeys({}, context)
      .then((response) => {
        this.keySet = createLocalJWKSet(JSON.parse(response.jwksJson) as JSONWebKeySet);
        this.fetchedAt = Date.now();
        this.logger.info("fetched token signing keys");
        return this.keySet;
      })
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }
}

function roleOf(claim: string): AccountRole | undefined {
  const role = claim.toLowerCase().replace(/^role_/, "");
  return ACCOUNT_ROLES.find((known) => known === role);
}

/**
 * A well-formed token whose key the account service no longer publishes: typically one issued before the account
 * service restarted with another key. The client's refresh token still works, so say so.
 */
function retiredKey(): Error {
  return unauthenticated(
    "TOKEN_EXPIRED",
    "access token was signed with a key no longer in use; refresh the session (refreshToken)",
  );
}

function rejection(error: unknown): Error {
  if (error instanceof joseErrors.JWTExpired) return unauthenticated("TOKEN_EXPIRED", "access token has expired");
  if (error instanceof joseErrors.JOSEError) return unauthenticated("TOKEN_INVALID", "access token is invalid");
  return error as Error;
}
