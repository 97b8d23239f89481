import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { unauthenticated, type CallContext, type Logger } from "@polyscale/platform";
import type { AccountClient } from "@polyscale/account";
import type { RevocationChecker, TokenSession } from "./revocations.js";

/** Who is calling: the account id and role from a verified access token. */
export interface Viewer {
  readonly accountId: string;
  readonly role: "admin" | "customer";
}

/** Claims beyond the viewer that decide whether a token was revoked (see revocations.ts). */
interface VerifiedToken {
  viewer: Viewer;
  session: TokenSession;
}

export const TOKEN_ISSUER = "polyscale-account";
export const TOKEN_AUDIENCE = "polyscale";

/**
 * A key set is fetched again for an unknown key id at most this often: forged kids cost the account service at most
 * one call per interval, and a real new key is picked up within it.
 */
const REFETCH_COOLDOWN_MS = 5_000;

/**
 * Verifies access tokens against the account service's public keys (GetSigningKeys). The key set is fetched on first
 * use and cached; a token signed with a key id the cache does not know triggers one refetch (rate limited), which is
 * how a key rotation reaches the gateway.
 */
export class TokenVerifier {
  private keySet?: JWTVerifyGetKey;
  private fetchedAt = 0;
  private fetching?: Promise<JWTVerifyGetKey>;

  constructor(
    private readonly account: Pick<AccountClient, "getSigningKeys">,
    private readonly logger: Logger,
    private readonly revocations: Pick<RevocationChecker, "check">,
  ) {}

  /** The viewer named by a bearer token; UNAUTHENTICATED when it is invalid, expired, revoked or not ours. */
  async verify(token: string, context: CallContext): Promise<Viewer> {
    const { viewer, session } = await this.verifySignature(token, context);
    await this.revocations.check(session, context);
    return viewer;
  }

  private async verifySignature(token: string, context: CallContext): Promise<VerifiedToken> {
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
      algorithms: ["EdDSA"],
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

function roleOf(claim: string): Viewer["role"] | undefined {
  const role = claim.toLowerCase().replace(/^role_/, "");
  return role === "admin" || role === "customer" ? role : undefined;
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

/** The token of an `Authorization: Bearer …` header; undefined without one, UNAUTHENTICATED when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated("TOKEN_INVALID", "the Authorization header must be 'Bearer <access token>'");
  return match[1];
}
