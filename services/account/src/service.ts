import {
  alreadyExists,
  describeError,
  failedPrecondition,
  type AppError,
  invalidArgument,
  newId,
  normalizePage,
  notFound,
  recordEvents,
  requireEmail,
  requireId,
  requireIds,
  requireText,
  unauthenticated,
  type Database,
  type Queryable,
  type RequestContext,
} from "@polyscale/platform";
import { accountRegistered, accountUpdated, sessionsRevoked, type SessionsRevokedReason } from "./events.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import type { Mailer } from "./mailer.js";
import type { Account, AccountTokenPurpose, RevocationRecord, Role, Session } from "./model.js";
import * as repository from "./repository.js";
import { hashRefreshToken, newRefreshToken, successorRefreshToken, type AccessTokenSigner } from "./tokens.js";

const MAX_NAME_LENGTH = 100;
const MIN_PASSWORD_LENGTH = 8;
// Bounds the hashing work one request can cause.
const MAX_PASSWORD_LENGTH = 1024;
const MAX_IDS_PER_BATCH = 1000;
// Refresh tokens are 43 characters; anything much longer is not one of ours.
const MAX_REFRESH_TOKEN_LENGTH = 256;

const PURGE_BATCH_SIZE = 1000;
// How many rotations in a row a repeated refresh follows within the grace window (a tab that refreshed twice while
// another was still waiting); a longer chain is treated as reuse.
const MAX_GRACE_CHAIN = 5;

const INVALID_CREDENTIALS = "invalid credentials";
const INVALID_REFRESH_TOKEN = "invalid refresh token";
const ACCOUNT_DISABLED = "account is disabled";
const INVALID_EMAILED_TOKEN = "the link is invalid or has expired; ask for a new one";

/** Passwords are taken as given (never trimmed); length counts characters, not bytes. */
function requirePassword(field: string, value: string, min: number): string {
  const length = [...value].length;
  if (length === 0) throw invalidArgument(field, "must not be empty");
  if (length < min) throw invalidArgument(field, `must be at least ${min} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw invalidArgument(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  return value;
}

function requireRefreshToken(value: string): string {
  return requireText("refreshToken", value, { max: MAX_REFRESH_TOKEN_LENGTH });
}

/**
 * The one way sessions end, inside the caller's transaction and under the account's lock, so the revocation and its
 * account.sessions_revoked event commit together. `{ familyId }` ends one session family (its refresh tokens, and
 * its access tokens through a recorded revocation); "every_session" revokes every refresh token and raises the token
 * generation; "access_tokens" only raises the generation (a refresh then carries the account's new state). Returns
 * the account's token generation after the change. The caller tells the revocation feed after the commit.
 */
async function revokeSessions(
  tx: Queryable,
  accountId: string,
  reason: SessionsRevokedReason,
  scope: "every_session" | "access_tokens",
): Promise<number>;
async function revokeSessions(
  tx: Queryable,
  accountId: string,
  reason: SessionsRevokedReason,
  scope: { familyId: string },
): Promise<undefined>;
async function revokeSessions(
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

function emailTaken(): AppError {
  return alreadyExists("EMAIL_TAKEN", "an account with this email already exists", "email");
}

export interface AccountServiceOptions {
  database: Database;
  signer: AccessTokenSigner;
  refreshTokenTtlSeconds: number;
  /** How long after a refresh token was used a repeated use still gets the same successor instead of revoking. */
  refreshGraceSeconds: number;
  /** Called after a change that revokes access tokens has committed (the revocation feed then looks at once). */
  onRevocation?: () => void;
  /** Sends password-reset and verification emails; their links are `${appUrl}/reset-password?token=…` and so on. */
  mailer: Mailer;
  appUrl: string;
  /** Lifetime of an emailed password-reset token. */
  passwordResetTtlSeconds: number;
  /** Lifetime of an emailed verification token. */
  emailVerificationTtlSeconds: number;
}

/** Accounts, credentials and sessions. Every input is validated here before anything is written. */
export class AccountService {
  private readonly database: Database;
  private readonly signer: AccessTokenSigner;
  private readonly refreshTokenTtlMs: number;
  private readonly refreshGraceSeconds: number;
  private readonly successorSecret: Buffer;
  private readonly onRevocation: () => void;
  private readonly mailer: Mailer;
  private readonly appUrl: string;
  private readonly emailedTokenTtlMs: Record<AccountTokenPurpose, number>;

  constructor(options: AccountServiceOptions) {
    this.database = options.database;
    this.signer = options.signer;
    this.refreshTokenTtlMs = options.refreshTokenTtlSeconds * 1000;
    this.refreshGraceSeconds = options.refreshGraceSeconds;
    this.successorSecret = options.signer.deriveSecret("polyscale refresh token successor");
    this.onRevocation = options.onRevocation ?? (() => {});
    this.mailer = options.mailer;
    this.appUrl = options.appUrl.replace(/\/+$/, "");
    this.emailedTokenTtlMs = {
      password_reset: options.passwordResetTtlSeconds * 1000,
      email_verification: options.emailVerificationTtlSeconds * 1000,
    };
  }

  /** An admin operation: email and password are given together or not at all; role defaults to customer. */
  async createAccount(input: { name: string; email: string; password: string; role?: Role }): Promise<Account> {
    const name = requireText("name", input.name, { max: MAX_NAME_LENGTH });
    let email: string | null = null;
    let password: string | null = null;
    if (input.email !== "" || input.password !== "") {
      if (input.email === "") throw invalidArgument("email", "is required when a password is given");
      if (input.password === "") throw invalidArgument("password", "is required when an email is given");
      email = requireEmail("email", input.email);
      password = requirePassword("password", input.password, MIN_PASSWORD_LENGTH);
    }
    const passwordHash = password === null ? null : await hashPassword(password);
    const account = { id: newId(), name, email, passwordHash, role: input.role ?? "customer" };
    return this.database.transaction(async (tx) => {
      const created = await repository.insertAccount(tx, account);
      if (!created) throw emailTaken();
      await recordEvents(tx, [accountRegistered(created)]);
      return created;
    });
  }

  async getAccount(id: string): Promise<Account> {
    const account = await repository.findAccount(this.database, requireId("id", id));
    if (!account) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "id");
    return account;
  }

  /** The accounts that exist among the ids, in the order asked, each once. */
  async getAccounts(ids: readonly string[]): Promise<Account[]> {
    const wanted = requireIds("ids", ids, { max: MAX_IDS_PER_BATCH });
    const found = new Map(
      (await repository.findAccounts(this.database, wanted)).map((account) => [account.id, account]),
    );
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  /** Newest first. */
  async listAccounts(page: { skip: number; take: number }): Promise<Account[]> {
    return repository.listAccounts(this.database, normalizePage(page));
  }

  /** Registers and sends a verification email (in the background: a mail fault never fails a registration). */
  async register(context: RequestContext, input: { name: string; email: string; password: string }): Promise<Session> {
    const name = requireText("name", input.name, { max: MAX_NAME_LENGTH });
    const email = requireEmail("email", input.email);
    const password = requirePassword("password", input.password, MIN_PASSWORD_LENGTH);
    const passwordHash = await hashPassword(password);
    const session = await this.database.transaction(async (tx) => {
      const account = await repository.insertAccount(tx, { id: newId(), name, email, passwordHash, role: "customer" });
      if (!account) throw emailTaken();
      await recordEvents(tx, [accountRegistered(account)]);
      return this.issueSession(tx, account, newId(), 0);
    });
    this.inBackground(context, this.sendVerification(session.account));
    return session;
  }

  /**
   * Emails a single-use password-reset link when the address belongs to an account that can log in. Only the address
   * is checked before answering; the look-up, the token and the email all happen after, so neither the reply nor its
   * timing tells whether the address is registered (a failure is logged, never answered). A malformed address
   * throws INVALID_ARGUMENT at once.
   */
  requestPasswordReset(context: RequestContext, email: string): void {
    const address = requireEmail("email", email);
    this.inBackground(context, this.sendPasswordReset(address));
  }

  private async sendPasswordReset(address: string): Promise<void> {
    const credentials = await repository.findCredentialsByEmail(this.database, address);
    if (!credentials?.passwordHash || credentials.account.disabled) return;
    const token = await this.issueEmailedToken(credentials.account.id, address, "password_reset");
    await this.mailer.send({
      to: address,
      subject: "Reset your PolyScale password",
      text:
        `Someone asked to reset the password of your account. To choose a new one, open this link within ` +
        `${Math.round(this.emailedTokenTtlMs.password_reset / 60_000)} minutes:\n\n` +
        `${this.appUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this email: nothing changes.`,
    });
  }

  /**
   * Sets a new password with an emailed token (single use, short-lived, void once the email changed), ends every
   * session of the account (refresh and access tokens) and starts a fresh one.
   */
  async resetPassword(input: { token: string; newPassword: string }): Promise<Session> {
    const tokenHash = hashRefreshToken(requireText("token", input.token, { max: MAX_REFRESH_TOKEN_LENGTH }));
    const newPassword = requirePassword("newPassword", input.newPassword, MIN_PASSWORD_LENGTH);
    // A cheap look first, so that made-up tokens cost no password hash.
    const live = await repository.findLiveAccountToken(this.database, tokenHash, "password_reset");
    if (!live) throw unauthenticated("EMAILED_TOKEN_INVALID", INVALID_EMAILED_TOKEN);
    const passwordHash = await hashPassword(newPassword);
    const session = await this.database.transaction(async (tx) => {
      const locked = await repository.lockAccount(tx, live.accountId);
      if (!locked || locked.account.disabled) return undefined;
      if (!(await repository.useAccountToken(tx, tokenHash, "password_reset"))) return undefined;
      const tokenGeneration = await revokeSessions(tx, live.accountId, "password_reset", "every_session");
      const account = await repository.setPasswordHash(tx, live.accountId, passwordHash);
      return this.issueSession(tx, account, newId(), tokenGeneration);
    });
    if (!session) throw unauthenticated("EMAILED_TOKEN_INVALID", INVALID_EMAILED_TOKEN);
    this.onRevocation();
    return session;
  }

  /** Emails a verification link to the account's current address; nothing when it is verified already. */
  async requestEmailVerification(accountId: string): Promise<void> {
    const account = await this.getAccount(accountId);
    if (!account.email) throw failedPrecondition("INVALID_INPUT", "the account has no email", "accountId");
    if (account.emailVerified) return;
    await this.sendVerification(account);
  }

  /** Marks the account's email verified with an emailed token (single use, void once the email changed). */
  async verifyEmail(token: string): Promise<Account> {
    const tokenHash = hashRefreshToken(requireText("token", token, { max: MAX_REFRESH_TOKEN_LENGTH }));
    const account = await this.database.transaction(async (tx) => {
      const used = await repository.useAccountToken(tx, tokenHash, "email_verification");
      return used ? repository.markEmailVerified(tx, used.accountId) : undefined;
    });
    if (!account) throw unauthenticated("EMAILED_TOKEN_INVALID", INVALID_EMAILED_TOKEN);
    return account;
  }

  private async sendVerification(account: Account): Promise<void> {
    if (!account.email) return;
    const token = await this.issueEmailedToken(account.id, account.email, "email_verification");
    await this.mailer.send({
      to: account.email,
      subject: "Confirm your email for PolyScale",
      text: `To confirm this address, open this link:\n\n${this.appUrl}/verify-email?token=${token}\n`,
    });
  }

  /** A new random token of `purpose` for the account, stored hashed; earlier unused ones of that purpose are void. */
  private async issueEmailedToken(accountId: string, email: string, purpose: AccountTokenPurpose): Promise<string> {
    const token = newRefreshToken();
    await repository.replaceAccountToken(this.database, {
      tokenHash: hashRefreshToken(token),
      accountId,
      purpose,
      email,
      expiresAt: new Date(Date.now() + this.emailedTokenTtlMs[purpose]),
    });
    return token;
  }

  /** Email work done after the answer: a failure is logged (type and message only), never shown to the caller. */
  private inBackground(context: RequestContext, sending: Promise<void>): void {
    sending.catch((error: unknown) => context.logger.error({ err: describeError(error) }, "could not send email"));
  }

  /**
   * Failures say only "invalid credentials", whether or not the email exists, and take as long either way. Guessing is
   * throttled by the gateway, which knows the client's address.
   */
  async login(input: { email: string; password: string }): Promise<Session> {
    const email = requireEmail("email", input.email);
    const password = requirePassword("password", input.password, 1);
    const credentials = await repository.findCredentialsByEmail(this.database, email);
    const verified = await verifyPassword(credentials?.passwordHash, password);
    if (!verified || !credentials?.passwordHash) throw unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    return this.startSession(credentials.account.id, credentials.passwordHash);
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
          session: await this.issueSession(tx, locked.account, used.familyId, locked.tokenGeneration, successor),
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

  /** Ends every session of the account: refresh tokens revoked, access tokens issued before refused by gateways. */
  async logoutAll(accountId: string): Promise<void> {
    await this.revokeEverySession(requireId("accountId", accountId), "logout_all", () => Promise.resolve(undefined));
  }

  /** Changes the role; access tokens issued before carry the old one, so they are revoked (a refresh gets the new). */
  async setRole(input: { accountId: string; role: Role }): Promise<Account> {
    const accountId = requireId("accountId", input.accountId);
    const account = await this.database.transaction(async (tx) => {
      if (!(await repository.lockAccount(tx, accountId))) return undefined;
      const changed = await repository.setRole(tx, accountId, input.role);
      await revokeSessions(tx, accountId, "role_changed", "access_tokens");
      return changed;
    });
    if (!account) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
    this.onRevocation();
    return account;
  }

  /** Disabling ends every session and refuses logins and refreshes; enabling lets the owner log in again. */
  async setDisabled(input: { accountId: string; disabled: boolean }): Promise<Account> {
    const accountId = requireId("accountId", input.accountId);
    if (!input.disabled) {
      const account = await this.database.transaction(async (tx) =>
        (await repository.lockAccount(tx, accountId)) ? repository.setDisabled(tx, accountId, false) : undefined,
      );
      if (!account) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
      return account;
    }
    return this.revokeEverySession(accountId, "account_disabled", (tx) => repository.setDisabled(tx, accountId, true));
  }

  /** What WatchRevocations would say about one access token: the account's generation and the session's fate. */
  async sessionState(input: {
    accountId: string;
    sessionId: string;
  }): Promise<{ generation: number; sessionRevoked: boolean }> {
    const accountId = requireId("accountId", input.accountId);
    const sessionId = input.sessionId === "" ? null : requireId("sessionId", input.sessionId);
    const state = await repository.sessionState(this.database, accountId, sessionId);
    if (!state) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
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

  /**
   * Under the account's lock: revokes every refresh token, raises the token generation (so gateways refuse every
   * access token issued before) and applies `change`; then tells the revocation feed.
   */
  private async revokeEverySession<T>(
    accountId: string,
    reason: SessionsRevokedReason,
    change: (tx: Queryable) => Promise<T>,
  ): Promise<T> {
    const result = await this.database.transaction(async (tx) => {
      if (!(await repository.lockAccount(tx, accountId))) return { found: false } as const;
      await revokeSessions(tx, accountId, reason, "every_session");
      return { found: true, value: await change(tx) } as const;
    });
    if (!result.found) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
    this.onRevocation();
    return result.value;
  }

  /** Changes the name, the email or both; at least one must be given. */
  async updateProfile(input: { accountId: string; name?: string; email?: string }): Promise<Account> {
    const accountId = requireId("accountId", input.accountId);
    if (input.name === undefined && input.email === undefined) {
      throw invalidArgument("name", "give a name, an email or both to change");
    }
    const name = input.name === undefined ? undefined : requireText("name", input.name, { max: MAX_NAME_LENGTH });
    const email = input.email === undefined ? undefined : requireEmail("email", input.email);
    return this.database.transaction(async (tx) => {
      const outcome = await repository.updateProfile(tx, accountId, { name, email });
      switch (outcome.kind) {
        case "accountNotFound":
          throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
        case "emailTaken":
          throw emailTaken();
        case "updated":
          await recordEvents(tx, [accountUpdated(outcome.account)]);
          return outcome.account;
      }
    });
  }

  /**
   * Checks the current password, sets the new one, revokes every session of the account and starts a fresh one.
   * Wrong current passwords are throttled by the gateway like failed logins.
   */
  async changePassword(input: { accountId: string; currentPassword: string; newPassword: string }): Promise<Session> {
    const accountId = requireId("accountId", input.accountId);
    const currentPassword = requirePassword("currentPassword", input.currentPassword, 1);
    const newPassword = requirePassword("newPassword", input.newPassword, MIN_PASSWORD_LENGTH);
    const credentials = await repository.findCredentials(this.database, accountId);
    if (!credentials) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
    const verified = await verifyPassword(credentials.passwordHash, currentPassword);
    if (!verified || !credentials.passwordHash) throw unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    const newPasswordHash = await hashPassword(newPassword);
    const session = await this.startSession(accountId, credentials.passwordHash, async (tx) => {
      const tokenGeneration = await revokeSessions(tx, accountId, "password_changed", "every_session");
      return { account: await repository.setPasswordHash(tx, accountId, newPasswordHash), tokenGeneration };
    });
    this.onRevocation();
    return session;
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

  /** The JSON Web Key Set that verifies access tokens. */
  signingKeys(): string {
    return this.signer.jwksJson;
  }

  /**
   * Creates the first admin unless an account already has its email. Several replicas may start at once: only one
   * insert wins, the others change nothing. True when this call created it.
   */
  async ensureAdmin(input: { email: string; password: string }): Promise<boolean> {
    const email = requireEmail("ADMIN_EMAIL", input.email);
    const password = requirePassword("ADMIN_PASSWORD", input.password, MIN_PASSWORD_LENGTH);
    if (await repository.findCredentialsByEmail(this.database, email)) return false;
    const passwordHash = await hashPassword(password);
    return this.database.transaction(async (tx) => {
      const created = await repository.insertAccount(tx, {
        id: newId(),
        name: "Administrator",
        email,
        passwordHash,
        role: "admin",
      });
      if (created) await recordEvents(tx, [accountRegistered(created)]);
      return created !== undefined;
    });
  }

  /**
   * Starts a new session family for an account whose password was just checked against verifiedHash, after running
   * change (which returns the account as changed) in the same transaction. The account row is locked and the hash
   * compared again: if the password changed while it was being checked, a session from the old one must not outlive
   * the change. A disabled account gets no session.
   */
  private async startSession(
    accountId: string,
    verifiedHash: string,
    change?: (tx: Queryable) => Promise<{ account: Account; tokenGeneration: number }>,
  ): Promise<Session> {
    const session = await this.database.transaction(async (tx) => {
      const locked = await repository.lockAccount(tx, accountId);
      if (locked?.passwordHash !== verifiedHash) return undefined;
      if (locked.account.disabled) return "disabled" as const;
      const { account, tokenGeneration } = change ? await change(tx) : locked;
      return this.issueSession(tx, account, newId(), tokenGeneration);
    });
    if (session === "disabled") throw unauthenticated("ACCOUNT_DISABLED", ACCOUNT_DISABLED);
    if (!session) throw unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    return session;
  }

  private async issueSession(
    tx: Queryable,
    account: Account,
    familyId: string,
    tokenGeneration: number,
    refreshToken = newRefreshToken(),
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
