import { recordEvents, requireId, type Database, type Queryable } from "@polyscale/platform";
import { accountNotFound } from "./client.js";
import { sessionsRevoked, type SessionsRevokedReason } from "./events.js";
import type { RevocationRecord, SessionState } from "./model.js";
import * as repository from "./repository.js";
import type { AccessTokenSigner } from "./tokens.js";

/**
 * The one way sessions end, inside the caller's transaction and under the account's lock, so the revocation and its
 * account.sessions_revoked event commit together. `{ familyId }` ends one session family (its refresh tokens, and
 * its access tokens through a recorded revocation); "every_session" revokes every refresh token and raises the token
 * generation; "access_tokens" only raises the generation (a refresh then carries the account's new state). Returns
 * the account's token generation after the change. The caller tells the revocation feed after the commit.
 */
export async function revokeSessions(
  tx: Queryable,
  accountId: string,
  reason: SessionsRevokedReason,
  scope: "every_session" | "access_tokens",
): Promise<number>;
export async function revokeSessions(
  tx: Queryable,
  accountId: string,
  reason: SessionsRevokedReason,
  scope: { familyId: string },
): Promise<undefined>;
export async function revokeSessions(
  tx: Queryable,
  accountId: string,
  reason: SessionsRevokedReason,
  scope: { familyId: string } | "every_session" | "access_tokens",
): Promise<number | undefined> {
  let generation: number | undefined;
  if (typeof scope === "object") {
    await repository.revokeRefreshTokenFamily(tx, scope.familyId);
    await repository.recordSessionRevocation(tx, accountId, scope.familyId);
  } else {
    if (scope === "every_session") await repository.revokeRefreshTokensOfAccount(tx, accountId);
    generation = await repository.raiseTokenGeneration(tx, accountId);
  }
  await recordEvents(tx, [sessionsRevoked(accountId, reason, typeof scope === "object" ? scope.familyId : undefined)]);
  return generation;
}

/** GetSessionState's input, unchecked: an empty sessionId asks about the account alone. */
export interface SessionStateInput {
  accountId: string;
  sessionId: string;
}

export interface RevocationServiceOptions {
  database: Database;
  /** Signs access tokens: its keys verify them, its lifetime bounds how long a revocation concerns one. */
  signer: AccessTokenSigner;
}

/**
 * What a gateway asks about access tokens after they were issued, to refuse one whose session ended: the keys that
 * verify them, the state of one token's account and session, and the revocations recorded within an access token's
 * lifetime (the revocation feed's catch-up). Sessions end through revokeSessions above, inside the transaction of
 * the change that ends them (sessions.ts, profiles.ts, emailed-tokens.ts).
 */
export class RevocationService {
  private readonly database: Database;
  private readonly signer: AccessTokenSigner;

  constructor(options: RevocationServiceOptions) {
    this.database = options.database;
    this.signer = options.signer;
  }

  /** What WatchRevocations would say about one access token: the account's generation and the session's fate. */
  async sessionState(input: SessionStateInput): Promise<SessionState> {
    const accountId = requireId("accountId", input.accountId);
    const sessionId = input.sessionId === "" ? null : requireId("sessionId", input.sessionId);
    const state = await repository.sessionState(this.database, accountId, sessionId);
    if (!state) throw accountNotFound(accountId, "accountId");
    return state;
  }

  /** Revocations that can still concern a live access token (recorded within one access-token lifetime). */
  recentRevocations(withinSeconds = this.signer.ttlSeconds): Promise<RevocationRecord[]> {
    return repository.recentRevocations(this.database, withinSeconds);
  }

  /** How long after it was recorded a revocation still concerns a live access token. */
  get revocationLifetimeMs(): number {
    return this.signer.ttlSeconds * 1000;
  }

  /** The JSON Web Key Set that verifies access tokens. */
  signingKeys(): string {
    return this.signer.jwksJson;
  }
}
