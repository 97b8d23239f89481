import type { Logger } from "pino";
import { AccessTokenVerifier, type AccessTokenVerifierOptions, type Viewer } from "./access-token.js";
import type { RequestContext } from "./context.js";
import { permissionDenied, unauthenticated, type AppError } from "./errors.js";

/**
 * What every service's gRPC binding (`accountServiceBinding`, `productServiceBinding`, `orderServiceBinding`, in its
 * `server.ts`) is built from, by these names: the service it calls, the check of the forwarded end user, the logger
 * of its calls. A binding that needs more (account's revocation feed) adds fields to it.
 */
export interface ServiceBindingOptions<Service> {
  service: Service;
  caller: CallerCheck;
  logger: Logger;
}

/**
 * Defence in depth behind the gateway's own checks, used by every service for the calls where identity matters: when
 * a call carries the end user's access token (the gateway forwards it, see ACCESS_TOKEN_KEY), the token must verify
 * (signature by the account service's keys, not expired: UNAUTHENTICATED otherwise) and allow the call, whatever the
 * request's fields say.
 *
 * A call without the token header is an internal one (the gateway before sign-in or for anonymous operations, the order
 * service's reconciler, the payment webhook) and passes: who may make one at all is decided by the transport, mutual
 * TLS, which is required with NODE_ENV=production, so only a holder of a certificate from the services' CA reaches a
 * service. Revocation (logout, password change) is checked by the gateway, not here: a service refuses what is forged
 * or expired, within the token's short lifetime.
 */
export class CallerCheck {
  private readonly tokens: AccessTokenVerifier;

  /** `account` gives the signing keys: the account service's client, or the account service itself. */
  constructor(options: AccessTokenVerifierOptions) {
    this.tokens = new AccessTokenVerifier(options);
  }

  /**
   * Resolves when the caller may act for every one of accountIds; UNAUTHENTICATED for a forwarded token that does not verify,
   * PERMISSION_DENIED (reason NOT_OWNER) when it names another account and is not an admin's.
   */
  async requireActingFor(context: RequestContext, ...accountIds: string[]): Promise<void> {
    const viewer = await this.viewerOf(context);
    if (viewer === undefined) return;
    if (viewer.role !== "admin" && accountIds.some((accountId) => accountId !== viewer.accountId)) {
      throw permissionDenied("NOT_OWNER", "the caller's token names another account");
    }
  }

  /**
   * Resolves when the caller may see a thing (an order, an address) that `ownerAccountId` holds; for another
   * customer's token it throws `unknown()`, the NOT_FOUND the service answers for an id it does not have, so that
   * someone else's ids cannot be told from unknown ones (OWASP API1, broken object level authorization).
   * UNAUTHENTICATED for a forwarded token that does not verify.
   */
  async requireOwnerOf(context: RequestContext, ownerAccountId: string, unknown: () => AppError): Promise<void> {
    const viewer = await this.viewerOf(context);
    if (viewer !== undefined && viewer.role !== "admin" && viewer.accountId !== ownerAccountId) throw unknown();
  }

  /** Resolves for an internal call or an admin's token; PERMISSION_DENIED (ADMIN_REQUIRED) for anyone else's. */
  async requireAdmin(context: RequestContext): Promise<void> {
    const viewer = await this.viewerOf(context);
    if (viewer === undefined) return;
    if (viewer.role !== "admin") throw permissionDenied("ADMIN_REQUIRED", "only an admin may do this");
  }

  /**
   * undefined for an internal call (no token header at all); a present but blank header is UNAUTHENTICATED
   * (TOKEN_INVALID), so an emptied header cannot pass for an internal caller.
   */
  private async viewerOf(context: RequestContext): Promise<Viewer | undefined> {
    if (context.accessToken === undefined) return undefined;
    if (context.accessToken.trim() === "") throw unauthenticated("TOKEN_INVALID", "access token is empty");
    return (await this.tokens.verify(context.accessToken, context)).viewer;
  }
}
