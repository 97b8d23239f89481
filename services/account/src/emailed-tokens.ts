import {
  describeError,
  failedPrecondition,
  newId,
  requireEmail,
  requireText,
  unauthenticated,
  type Database,
  type RequestContext,
} from "@polyscale/platform";
import { requireAccount } from "./lookups.js";
import type { Mailer } from "./mailer.js";
import type { Account, AccountTokenPurpose, Session } from "./model.js";
import { hashPassword, MIN_PASSWORD_LENGTH, requirePassword } from "./passwords.js";
import * as repository from "./repository.js";
import { revokeSessions } from "./revocations.js";
import type { SessionService } from "./sessions.js";
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH, newRefreshToken } from "./tokens.js";

const INVALID_EMAILED_TOKEN = "the link is invalid or has expired; ask for a new one";

/** ResetPassword's input, unchecked: the emailed token and the new password. */
export interface ResetPasswordInput {
  token: string;
  newPassword: string;
}

export interface EmailedTokenServiceOptions {
  database: Database;
  sessions: SessionService;
  /** Called after a password reset has ended the account's sessions (the revocation feed then looks at once). */
  onRevocation: () => void;
  /** Sends password-reset and verification emails; their links are `${appUrl}/reset-password?token=…` and so on. */
  mailer: Mailer;
  appUrl: string;
  /** Lifetime of an emailed password-reset token. */
  passwordResetTtlSeconds: number;
  /** Lifetime of an emailed verification token. */
  emailVerificationTtlSeconds: number;
}

/**
 * Emailed tokens: single-use links for a password reset and for verifying an email address, stored hashed, void once
 * the account's email changed. Registration (profiles.ts) sends the first verification email through
 * `sendVerificationLater`.
 */
export class EmailedTokenService {
  private readonly database: Database;
  private readonly sessions: SessionService;
  private readonly onRevocation: () => void;
  private readonly mailer: Mailer;
  private readonly appUrl: string;
  private readonly emailedTokenTtlMs: Record<AccountTokenPurpose, number>;

  constructor(options: EmailedTokenServiceOptions) {
    this.database = options.database;
    this.sessions = options.sessions;
    this.onRevocation = options.onRevocation;
    this.mailer = options.mailer;
    this.appUrl = options.appUrl.replace(/\/+$/, "");
    this.emailedTokenTtlMs = {
      password_reset: options.passwordResetTtlSeconds * 1000,
      email_verification: options.emailVerificationTtlSeconds * 1000,
    };
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
  async resetPassword(input: ResetPasswordInput): Promise<Session> {
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
      return this.sessions.issueSession(tx, { account, familyId: newId(), tokenGeneration });
    });
    if (!session) throw unauthenticated("EMAILED_TOKEN_INVALID", INVALID_EMAILED_TOKEN);
    this.onRevocation();
    return session;
  }

  /** Emails a verification link to the account's current address; nothing when it is verified already. */
  async requestEmailVerification(accountId: string): Promise<void> {
    const account = await requireAccount(this.database, accountId);
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

  /** Sends the account's verification email after the answer (a mail fault is logged, never fails the caller). */
  sendVerificationLater(context: RequestContext, account: Account): void {
    this.inBackground(context, this.sendVerification(account));
  }

  /** Email work done after the answer: a failure is logged (type and message only), never shown to the caller. */
  private inBackground(context: RequestContext, sending: Promise<void>): void {
    sending.catch((error: unknown) => context.logger.error({ err: describeError(error) }, "could not send email"));
  }
}
