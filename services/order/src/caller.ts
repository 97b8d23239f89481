import { AccessTokenVerifier, permissionDenied, type Logger, type RequestContext } from "@polyscale/platform";

/**
 * Defence in depth behind the gateway's own checks: when a call carries the end user's access token (the gateway
 * forwards it, see ACCESS_TOKEN_KEY), the token must verify against the account service's keys and name the account
 * the call acts for, unless its role is admin. A call without a token comes from inside (the gateway before sign-in,
 * the reconciler, the payment webhook); mutual TLS limits who can make one.
 */
export class CallerCheck {
  constructor(private readonly tokens: AccessTokenVerifier) {}

  static of(account: ConstructorParameters<typeof AccessTokenVerifier>[0], logger: Logger): CallerCheck {
    return new CallerCheck(new AccessTokenVerifier(account, logger));
  }

  /**
   * Resolves when the caller may act for every one of accountIds; UNAUTHENTICATED for a forwarded token that does not verify,
   * PERMISSION_DENIED (reason NOT_OWNER) when it names another account and is not an admin's.
   */
  async requireActingFor(context: RequestContext, ...accountIds: string[]): Promise<void> {
    if (context.accessToken === undefined) return;
    const { viewer } = await this.tokens.verify(context.accessToken, context);
    if (viewer.role !== "admin" && accountIds.some((accountId) => accountId !== viewer.accountId)) {
      throw permissionDenied("NOT_OWNER", "the caller's token names another account");
    }
  }

  /** Resolves for an internal call or an admin's token; PERMISSION_DENIED (ADMIN_REQUIRED) for anyone else's. */
  async requireAdmin(context: RequestContext): Promise<void> {
    if (context.accessToken === undefined) return;
    const { viewer } = await this.tokens.verify(context.accessToken, context);
    if (viewer.role !== "admin") throw permissionDenied("ADMIN_REQUIRED", "only an admin may do this");
  }
}
