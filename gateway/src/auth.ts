import { AccessTokenVerifier, unauthenticated, type CallContext, type Logger, type Viewer } from "@polyscale/platform";
import type { AccountClient } from "@polyscale/account";
import type { RevocationChecker } from "./revocations.js";

export type { Viewer } from "@polyscale/platform";

export interface TokenVerifierOptions {
  /** The account service, whose published keys sign every access token. */
  account: Pick<AccountClient, "getSigningKeys">;
  logger: Logger;
  revocations: Pick<RevocationChecker, "check">;
}

/**
 * Verifies access tokens: the signature against the account service's keys (AccessTokenVerifier, shared with the
 * services), then revocation (RevocationChecker).
 */
export class TokenVerifier {
  private readonly signatures: AccessTokenVerifier;
  private readonly revocations: Pick<RevocationChecker, "check">;

  constructor(options: TokenVerifierOptions) {
    this.signatures = new AccessTokenVerifier({ account: options.account, logger: options.logger });
    this.revocations = options.revocations;
  }

  /** The viewer named by a bearer token; UNAUTHENTICATED when it is invalid, expired, revoked or not ours. */
  async verify(token: string, context: CallContext): Promise<Viewer> {
    const { viewer, session } = await this.signatures.verify(token, context);
    await this.revocations.check(session, context);
    return viewer;
  }
}

/** The token of an `Authorization: Bearer …` header; undefined without one, UNAUTHENTICATED when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated("TOKEN_INVALID", "the Authorization header must be 'Bearer <access token>'");
  return match[1];
}
