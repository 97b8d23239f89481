import {
  newId,
  requireEmail,
  requireId,
  requireText,
  unauthenticated,
  type AppError,
  type Database,
  type Queryable,
  type RequestContext,
} from "@polyscale/platform";
import { accountNotFound } from "./client.js";
import type { Account, Session } from "./model.js";
import { requirePassword, verifyPassword } from "./passwords.js";
import * as repository from "./repository.js";
import { revokeSessions } from "./revocations.js";
import {
  hashRefreshToken,
  MAX_REFRESH_TOKEN_LENGTH,
  newRefreshToken,
  successorRefreshToken,
  type AccessTokenSigner,
} from "./tokens.js";

const PURGE_BATCH_SIZE = 1000;
// How many rotations in a row a repeated refresh follows within the grace window (a tab that refreshed twice while
// another was still waiting); a longer chain is treated as reuse.
const MAX_GRACE_CHAIN = 5;

const INVALID_REFRESH_TOKEN = "invalid refresh token";
const ACCOUNT_DISABLED = "account is disabled";

/** UNAUTHENTICATED INVALID_CREDENTIALS, the same whether the email, the account or the password was wrong. */
export function invalidCredentials(): AppError {
  return unauthenticated("INVALID_CREDENTIALS", "invalid credentials");
}

function requireRefreshToken(value: string): string {
  return requireText("refreshToken", value, { max: MAX_REFRESH_TOKEN_LENGTH });
}

/** Login's input, unchecked. */
export interface LoginInput {
  email: string;
  password: string;
}

export interface SessionServiceOptions {
  database: Database;
  signer: AccessTokenSigner;
  refreshTokenTtlSeconds: number;
  /** How long after a refresh token was used a repeated use still gets the same successor instead of revoking. */
  refreshGraceSeconds: number;
  /** Called after a change that revokes access tokens has committed (the revocation feed then looks at once). */
  onRevocation: () => void;
}

/** A session to start for an account whose password was just checked against verifiedHash (see startSession). */
export interface StartSessionInput {
  accountId: string;
  verifiedHash: string;
  /** Run under the account's lock before the session is issued; returns the account as changed. */
  change?: (tx: Queryable) => Promise<{ account: Account; tokenGeneration: number }>;
}

/** A session to issue inside the caller's transaction: a new refresh token of `familyId` (made when not given). */
export interface IssueSessionInput {
  account: Account;
  familyId: string;
  tokenGeneration: number;
  refreshToken?: string;
}

/**
 * Sessions: a session family is a chain of rotated refresh tokens, each access token names its family and the
 * account's token generation. Logging in and out, refreshing (with its grace window and reuse detection), and the
 * purge of expired rows. `startSession` and `issueSession` are how profiles.ts and emailed-tokens.ts start sessions
 * (they end them through revokeSessions); what a gateway asks about issued tokens is in revocations.ts.
 */
export class SessionService {
  private readonly database: Database;
  private readonly signer: AccessTokenSigner;
  private readonly refreshTokenTtlMs: number;
  private readonly refreshGraceSeconds: number;
  private readonly successorSecret: Buffer;
  private readonly onRevocation: () => void;

  constructor(options: SessionServiceOptions) {
    this.database = options.database;
    this.signer = options.signer;
    this.refreshTokenTtlMs = options.refreshTokenTtlSeconds * 1000;
    this.refreshGraceSeconds = options.refreshGraceSeconds;
    this.successorSecret = options.signer.deriveSecret("polyscale refresh token successor");
    this.onRevocation = options.onRevocation;
  }

  /**
   * Failures say only "invalid credentials", whether or not the email exists, and take as long either way. Guessing is
   * throttled by the gateway, which knows the client's address.
   */
  async login(input: LoginInput): Promise<Session> {
    const email = requireEmail("email", input.email);
    const password = requirePassword("password", input.password, 1);
    const credentials = await repository.findCredentialsByEmail(this.database, email);
    const verified = await verifyPassword(credentials?.passwordHash, password);
    if (!verified || !credentials?.passwordHash) throw invalidCredentials();
    return this.startSession({ accountId: credentials.account.id, verifiedHash: credentials.passwordHash });
  }

  /**
   * Rotates a refresh token: the presented one is used up and its successor is issued. Presenting it again within
   * the grace window (two tabs refreshing at once, a retry after a lost answer) hands out that same successor, with a
   * fresh access token, instead of a second one. Presenting it after the window means it leaked: its whole family is
   * revoked, and that revocation is committed even though the call fails.
   */
  async refreshToken(context: RequestContext, refreshToken: string): Promise<Session> {
    const presentedToken = requireRefreshToken(refreshToken);
    const tokenHash = hashRefreshToken(presentedToken);
    const presented = await repository.findRefreshToken(this.database, tokenHash);
    if (!presented) throw unauthenticated("INVALID_REFRESH_TOKEN", INVALID_REFRESH_TOKEN);
    const outcome = await this.database.transaction(async (tx) => {
      // The account lock orders concurrent uses of one token: the first rotates, the others see it used.
      const locked = await repository.lockAccount(tx, presented.accountId);
      if (!locked || locked.account.disabled) return { kind: "rejected" } as const;
      const used = await repository.useRefreshToken(tx, tokenHash);
      if (used) {
        const successor = successorRefreshToken(this.successorSecret, presentedToken);
        return {
          kind: "rotated",
          session: await this.issueSession(tx, {
            account: locked.account,
            familyId: used.familyId,
            tokenGeneration: locked.tokenGeneration,
            refreshToken: successor,
          }),
        } as const;
      }
      const current = await repository.findRefreshTokenState(tx, tokenHash, this.refreshGraceSeconds);
      if (!current?.usedAt || current.revokedAt) return { kind: "rejected" } as const;
      if (current.usedWithinGrace) {
        const successor = await this.graceSuccessor(tx, presentedToken);
        if (successor) {
          const session = await this.resumeSession(locked.account, successor, locked.tokenGeneration);
          return { kind: "rotated", session } as const;
        }
      }
      await revokeSessions(tx, presented.accountId, "refresh_token_reuse", { familyId: current.familyId });
      return { kind: "reused" } as const;
    });
    if (outcome.kind === "rotated") return outcome.session;
    if (outcome.kind === "reused") {
      this.onRevocation();
      context.logger.warn({ accountId: presented.accountId }, "refresh token reused; its session family is revoked");
    }
    throw unauthenticated("INVALID_REFRESH_TOKEN", INVALID_REFRESH_TOKEN);
  }

  /**
   * The live successor of a token used within the grace window, following successors that were themselves used
   * within it; undefined when the chain ends in a revoked, expired or long-used token.
   */
  private async graceSuccessor(
    tx: Queryable,
    usedToken: string,
  ): Promise<{ token: string; expiresAt: Date; familyId: string } | undefined> {
    let current = usedToken;
    for (let step = 0; step < MAX_GRACE_CHAIN; step += 1) {
      const next = successorRefreshToken(this.successorSecret, current);
      const state = await repository.findRefreshTokenState(tx, hashRefreshToken(next), this.refreshGraceSeconds);
      if (!state || state.revokedAt || state.expired) return undefined;
      if (!state.usedAt) return { token: next, expiresAt: state.expiresAt, familyId: state.familyId };
      if (!state.usedWithinGrace) return undefined;
      current = next;
    }
    return undefined;
  }

  /** Revokes the session family of the token. An unknown token is already logged out, so that succeeds too. */
  async logout(refreshToken: string): Promise<void> {
    const presented = await repository.findRefreshToken(
      this.database,
      hashRefreshToken(requireRefreshToken(refreshToken)),
    );
    if (!presented) return;
    await this.database.transaction(async (tx) => {
      await repository.lockAccount(tx, presented.accountId);
      await revokeSessions(tx, presented.accountId, "logout", { familyId: presented.familyId });
    });
    this.onRevocation();
  }

  /**
   * Ends every session of the account under its lock: refresh tokens revoked, the token generation raised (so gateways
   * refuse every access token issued before); then tells the revocation feed.
   */
  async logoutAll(accountId: string): Promise<void> {
    const id = requireId("accountId", accountId);
    const found = await this.database.transaction(async (tx) => {
      if (!(await repository.lockAccount(tx, id))) return false;
      await revokeSessions(tx, id, "logout_all", "every_session");
      return true;
    });
    if (!found) throw accountNotFound(id, "accountId");
    this.onRevocation();
  }

  /**
   * Deletes refresh tokens that expired, in batches so no statement holds many locks. An expired token is refused
   * whether or not its row exists, so nothing is lost: only rows that would otherwise pile up for ever.
   */
  async purgeExpiredRefreshTokens(now = new Date()): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = await repository.deleteExpiredRefreshTokens(this.database, now, PURGE_BATCH_SIZE);
      deleted += batch;
      if (batch < PURGE_BATCH_SIZE) break;
    }
    // Revocations outlive the access tokens they concern by a margin, then go too; so do expired emailed tokens.
    await repository.deleteRevocationsOlderThan(this.database, this.signer.ttlSeconds * 2);
    await repository.deleteExpiredAccountTokens(this.database);
    return deleted;
  }

  /**
   * Starts a new session family for an account whose password was just checked against verifiedHash, after running
   * change (which returns the account as changed) in the same transaction. The account row is locked and the hash
   * compared again: if the password changed while it was being checked, a session from the old one must not outlive
   * the change. A disabled account gets no session.
   */
  async startSession({ accountId, verifiedHash, change }: StartSessionInput): Promise<Session> {
    const session = await this.database.transaction(async (tx) => {
      const locked = await repository.lockAccount(tx, accountId);
      if (locked?.passwordHash !== verifiedHash) return undefined;
      if (locked.account.disabled) return "disabled" as const;
      const { account, tokenGeneration } = change ? await change(tx) : locked;
      return this.issueSession(tx, { account, familyId: newId(), tokenGeneration });
    });
    if (session === "disabled") throw unauthenticated("ACCOUNT_DISABLED", ACCOUNT_DISABLED);
    if (!session) throw invalidCredentials();
    return session;
  }

  async issueSession(
    tx: Queryable,
    { account, familyId, tokenGeneration, refreshToken = newRefreshToken() }: IssueSessionInput,
  ): Promise<Session> {
    const refreshTokenExpiresAt = new Date(Date.now() + this.refreshTokenTtlMs);
    await repository.insertRefreshToken(tx, {
      id: newId(),
      familyId,
      accountId: account.id,
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: refreshTokenExpiresAt,
    });
    return this.resumeSession(
      account,
      { token: refreshToken, expiresAt: refreshTokenExpiresAt, familyId },
      tokenGeneration,
    );
  }

  /** A session around a refresh token that is already stored: a fresh access token for it. */
  private async resumeSession(
    account: Account,
    refresh: { token: string; expiresAt: Date; familyId: string },
    tokenGeneration: number,
  ): Promise<Session> {
    const access = await this.signer.sign({
      accountId: account.id,
      role: account.role,
      sessionId: refresh.familyId,
      generation: tokenGeneration,
    });
    return {
      account,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt,
    };
  }
}
