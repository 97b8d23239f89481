import {
  alreadyExists,
  type AppError,
  invalidArgument,
  isUniqueViolation,
  newId,
  normalizePage,
  notFound,
  requireEmail,
  requireId,
  requireIds,
  requireText,
  unauthenticated,
  type Database,
  type Queryable,
  type RequestContext,
} from "@polyscale/platform";
import { hashPassword, verifyPassword } from "./passwords.js";
import * as repository from "./repository.js";
import type { Account, Role } from "./repository.js";
import { hashRefreshToken, newRefreshToken, successorRefreshToken, type AccessTokenSigner } from "./tokens.js";

export type { Account, Role };

/** What a successful registration, login, refresh or password change hands out. */
export interface Session {
  account: Account;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

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

function emailTaken(): AppError {
  return alreadyExists("EMAIL_TAKEN", "an account with this email already exists", "email");
}

export interface AccountServiceOptions {
  database: Database;
  signer: AccessTokenSigner;
  refreshTokenTtlSeconds: number;
  /** How long after a refresh token was used a repeated use still gets the same successor instead of revoking. */
  refreshGraceSeconds: number;
}

/** Accounts, credentials and sessions. Every input is validated here before anything is written. */
export class AccountService {
  private readonly database: Database;
  private readonly signer: AccessTokenSigner;
  private readonly refreshTokenTtlMs: number;
  private readonly refreshGraceSeconds: number;
  private readonly successorSecret: Buffer;

  constructor(options: AccountServiceOptions) {
    this.database = options.database;
    this.signer = options.signer;
    this.refreshTokenTtlMs = options.refreshTokenTtlSeconds * 1000;
    this.refreshGraceSeconds = options.refreshGraceSeconds;
    this.successorSecret = options.signer.deriveSecret("polyscale refresh token successor");
  }

  /** An admin operation: email and password are given together or not at all; role defaults to customer. */
  async createAccount(
    input: { name: string; email: string; password: string; role?: Role },
    _context: RequestContext,
  ): Promise<Account> {
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
    try {
      return await repository.insertAccount(this.database, account);
    } catch (error) {
      if (isUniqueViolation(error, repository.EMAIL_UNIQUE_CONSTRAINT)) throw emailTaken();
      throw error;
    }
  }

  async getAccount(id: string, _context: RequestContext): Promise<Account> {
    const account = await repository.findAccount(this.database, requireId("id", id));
    if (!account) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "id");
    return account;
  }

  /** The accounts that exist among the ids, in the order asked, each once. */
  async getAccounts(ids: readonly string[], _context: RequestContext): Promise<Account[]> {
    const wanted = requireIds("ids", ids, { max: MAX_IDS_PER_BATCH });
    const found = new Map(
      (await repository.findAccounts(this.database, wanted)).map((account) => [account.id, account]),
    );
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  /** Newest first. */
  async listAccounts(page: { skip: number; take: number }, _context: RequestContext): Promise<Account[]> {
    return repository.listAccounts(this.database, normalizePage(page));
  }

  async register(input: { name: string; email: string; password: string }, _context: RequestContext): Promise<Session> {
    const name = requireText("name", input.name, { max: MAX_NAME_LENGTH });
    const email = requireEmail("email", input.email);
    const password = requirePassword("password", input.password, MIN_PASSWORD_LENGTH);
    const passwordHash = await hashPassword(password);
    try {
      return await this.database.transaction(async (tx) => {
        const account = await repository.insertAccount(tx, {
          id: newId(),
          name,
          email,
          passwordHash,
          role: "customer",
        });
        return this.issueSession(tx, account, newId());
      });
    } catch (error) {
      if (isUniqueViolation(error, repository.EMAIL_UNIQUE_CONSTRAINT)) throw emailTaken();
      throw error;
    }
  }

  /**
   * Failures say only "invalid credentials", whether or not the email exists, and take as long either way. Guessing is
   * throttled by the gateway, which knows the client's address.
   */
  async login(input: { email: string; password: string }, _context: RequestContext): Promise<Session> {
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
  async refreshToken(refreshToken: string, context: RequestContext): Promise<Session> {
    const presentedToken = requireRefreshToken(refreshToken);
    const tokenHash = hashRefreshToken(presentedToken);
    const presented = await repository.findRefreshToken(this.database, tokenHash);
    if (!presented) throw unauthenticated("INVALID_REFRESH_TOKEN", INVALID_REFRESH_TOKEN);
    const outcome = await this.database.transaction(async (tx) => {
      // The account lock orders concurrent uses of one token: the first rotates, the others see it used.
      const locked = await repository.lockAccount(tx, presented.accountId);
      if (!locked) return { kind: "rejected" } as const;
      const used = await repository.useRefreshToken(tx, tokenHash);
      if (used) {
        const successor = successorRefreshToken(this.successorSecret, presentedToken);
        return {
          kind: "rotated",
          session: await this.issueSession(tx, locked.account, used.familyId, successor),
        } as const;
      }
      const current = await repository.findRefreshTokenState(tx, tokenHash, this.refreshGraceSeconds);
      if (!current?.usedAt || current.revokedAt) return { kind: "rejected" } as const;
      if (current.usedWithinGrace) {
        const successor = await this.graceSuccessor(tx, presentedToken);
        if (successor)
          return { kind: "rotated", session: await this.resumeSession(locked.account, successor) } as const;
      }
      await repository.revokeRefreshTokenFamily(tx, current.familyId);
      return { kind: "reused" } as const;
    });
    if (outcome.kind === "rotated") return outcome.session;
    if (outcome.kind === "reused") {
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
  async logout(refreshToken: string, _context: RequestContext): Promise<void> {
    const presented = await repository.findRefreshToken(
      this.database,
      hashRefreshToken(requireRefreshToken(refreshToken)),
    );
    if (!presented) return;
    await this.database.transaction(async (tx) => {
      await repository.lockAccount(tx, presented.accountId);
      await repository.revokeRefreshTokenFamily(tx, presented.familyId);
    });
  }

  /** Changes the name, the email or both; at least one must be given. */
  async updateProfile(
    input: { accountId: string; name?: string; email?: string },
    _context: RequestContext,
  ): Promise<Account> {
    const accountId = requireId("accountId", input.accountId);
    if (input.name === undefined && input.email === undefined) {
      throw invalidArgument("name", "give a name, an email or both to change");
    }
    const name = input.name === undefined ? undefined : requireText("name", input.name, { max: MAX_NAME_LENGTH });
    const email = input.email === undefined ? undefined : requireEmail("email", input.email);
    let account: Account | undefined;
    try {
      account = await repository.updateProfile(this.database, accountId, { name, email });
    } catch (error) {
      if (isUniqueViolation(error, repository.EMAIL_UNIQUE_CONSTRAINT)) throw emailTaken();
      throw error;
    }
    if (!account) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
    return account;
  }

  /**
   * Checks the current password, sets the new one, revokes every session of the account and starts a fresh one.
   * Wrong current passwords are throttled by the gateway like failed logins.
   */
  async changePassword(
    input: { accountId: string; currentPassword: string; newPassword: string },
    _context: RequestContext,
  ): Promise<Session> {
    const accountId = requireId("accountId", input.accountId);
    const currentPassword = requirePassword("currentPassword", input.currentPassword, 1);
    const newPassword = requirePassword("newPassword", input.newPassword, MIN_PASSWORD_LENGTH);
    const credentials = await repository.findCredentials(this.database, accountId);
    if (!credentials) throw notFound("ACCOUNT_NOT_FOUND", "account not found", "accountId");
    const verified = await verifyPassword(credentials.passwordHash, currentPassword);
    if (!verified || !credentials.passwordHash) throw unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    const newPasswordHash = await hashPassword(newPassword);
    return this.startSession(accountId, credentials.passwordHash, async (tx) => {
      await repository.revokeRefreshTokensOfAccount(tx, accountId);
      return repository.setPasswordHash(tx, accountId, newPasswordHash);
    });
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
      if (batch < PURGE_BATCH_SIZE) return deleted;
    }
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
    const created = await repository.insertAccountUnlessEmailTaken(this.database, {
      id: newId(),
      name: "Administrator",
      email,
      passwordHash: await hashPassword(password),
      role: "admin",
    });
    return created !== undefined;
  }

  /**
   * Starts a new session family for an account whose password was just checked against verifiedHash, after running
   * change (which returns the account as changed) in the same transaction. The account row is locked and the hash
   * compared again: if the password changed while it was being checked, a session from the old one must not outlive
   * the change.
   */
  private async startSession(
    accountId: string,
    verifiedHash: string,
    change?: (tx: Queryable) => Promise<Account>,
  ): Promise<Session> {
    const session = await this.database.transaction(async (tx) => {
      const locked = await repository.lockAccount(tx, accountId);
      if (locked?.passwordHash !== verifiedHash) return undefined;
      const account = change ? await change(tx) : locked.account;
      return this.issueSession(tx, account, newId());
    });
    if (!session) throw unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    return session;
  }

  private async issueSession(
    tx: Queryable,
    account: Account,
    familyId: string,
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
    return this.resumeSession(account, { token: refreshToken, expiresAt: refreshTokenExpiresAt, familyId });
  }

  /** A session around a refresh token that is already stored: a fresh access token for it. */
  private async resumeSession(
    account: Account,
    refresh: { token: string; expiresAt: Date; familyId: string },
  ): Promise<Session> {
    const access = await this.signer.sign({ accountId: account.id, role: account.role });
    return {
      account,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt,
    };
  }
}
