import type { Database, RequestContext } from "@polyscale/platform";
import { AddressService, type AddAddressInput, type DeleteAddressInput, type UpdateAddressInput } from "./addresses.js";
import { EmailedTokenService, type ResetPasswordInput } from "./emailed-tokens.js";
import type { Mailer } from "./mailer.js";
import type { Account, Address, RevocationRecord, Session, SessionState } from "./model.js";
import {
  ProfileService,
  type ChangePasswordInput,
  type CreateAccountInput,
  type EnsureAdminInput,
  type ListAccountsInput,
  type RegisterInput,
  type SetDisabledInput,
  type SetRoleInput,
  type UpdateProfileInput,
} from "./profiles.js";
import { RevocationService, type SessionStateInput } from "./revocations.js";
import { SessionService, type LoginInput } from "./sessions.js";
import type { AccessTokenSigner } from "./tokens.js";

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

/**
 * Accounts, credentials and sessions, one job a file: registration, profiles, roles and disabling (profiles.ts),
 * sessions and their refresh tokens (sessions.ts), what gateways ask about issued access tokens (revocations.ts),
 * emailed password-reset and verification links (emailed-tokens.ts), address books (addresses.ts). This class builds
 * them from one options object and is what the server and main use. Every input is validated before anything is
 * written.
 */
export class AccountService {
  private readonly profiles: ProfileService;
  private readonly sessions: SessionService;
  private readonly revocations: RevocationService;
  private readonly emailedTokens: EmailedTokenService;
  private readonly addresses: AddressService;

  constructor(options: AccountServiceOptions) {
    const { database, signer, refreshTokenTtlSeconds, refreshGraceSeconds } = options;
    const onRevocation = options.onRevocation ?? (() => {});
    this.sessions = new SessionService({ database, signer, refreshTokenTtlSeconds, refreshGraceSeconds, onRevocation });
    this.revocations = new RevocationService({ database, signer });
    this.emailedTokens = new EmailedTokenService({ ...options, sessions: this.sessions, onRevocation });
    this.profiles = new ProfileService({
      database,
      sessions: this.sessions,
      emailedTokens: this.emailedTokens,
      onRevocation,
    });
    this.addresses = new AddressService({ database });
  }

  // ---- Profiles (profiles.ts): registration, profiles, roles, disabling ----

  /** An admin operation: email and password are given together or not at all; role defaults to customer. */
  createAccount(input: CreateAccountInput): Promise<Account> {
    return this.profiles.createAccount(input);
  }

  getAccount(id: string): Promise<Account> {
    return this.profiles.getAccount(id);
  }

  /** The accounts that exist among the ids, in the order asked, each once. */
  getAccounts(ids: readonly string[]): Promise<Account[]> {
    return this.profiles.getAccounts(ids);
  }

  /** Newest first; with a non-empty email, only the account holding it. */
  listAccounts(input: ListAccountsInput): Promise<Account[]> {
    return this.profiles.listAccounts(input);
  }

  /** Registers, starts a session and sends a verification email in the background. */
  register(context: RequestContext, input: RegisterInput): Promise<Session> {
    return this.profiles.register(context, input);
  }

  /** Changes the name, the email or both; at least one must be given. */
  updateProfile(input: UpdateProfileInput): Promise<Account> {
    return this.profiles.updateProfile(input);
  }

  /** Checks the current password, sets the new one, ends every session and starts a fresh one. */
  changePassword(input: ChangePasswordInput): Promise<Session> {
    return this.profiles.changePassword(input);
  }

  /** Changes the role and revokes the access tokens carrying the old one. */
  setRole(input: SetRoleInput): Promise<Account> {
    return this.profiles.setRole(input);
  }

  /** Disabling ends every session and refuses logins and refreshes; enabling lets the owner log in again. */
  setDisabled(input: SetDisabledInput): Promise<Account> {
    return this.profiles.setDisabled(input);
  }

  /** Creates the first admin unless an account already has its email; true when this call created it. */
  ensureAdmin(input: EnsureAdminInput): Promise<boolean> {
    return this.profiles.ensureAdmin(input);
  }

  // ---- Sessions (sessions.ts) ----

  /** A new session for the email and password; failures say only "invalid credentials". */
  login(input: LoginInput): Promise<Session> {
    return this.sessions.login(input);
  }

  /** Rotates a refresh token (see SessionService.refreshToken for the grace window and reuse). */
  refreshToken(context: RequestContext, refreshToken: string): Promise<Session> {
    return this.sessions.refreshToken(context, refreshToken);
  }

  /** Revokes the session family of the token; an unknown token succeeds too. */
  logout(refreshToken: string): Promise<void> {
    return this.sessions.logout(refreshToken);
  }

  /** Ends every session of the account: refresh tokens revoked, access tokens issued before refused by gateways. */
  logoutAll(accountId: string): Promise<void> {
    return this.sessions.logoutAll(accountId);
  }

  /** Deletes expired refresh tokens (returns how many), old revocations and expired emailed tokens. */
  purgeExpiredRefreshTokens(now?: Date): Promise<number> {
    return this.sessions.purgeExpiredRefreshTokens(now);
  }

  // ---- Revocations (revocations.ts) ----

  /** What WatchRevocations would say about one access token: the account's generation and the session's fate. */
  sessionState(input: SessionStateInput): Promise<SessionState> {
    return this.revocations.sessionState(input);
  }

  /** Revocations that can still concern a live access token (by default within one access-token lifetime). */
  recentRevocations(withinSeconds?: number): Promise<RevocationRecord[]> {
    return this.revocations.recentRevocations(withinSeconds);
  }

  /** How long after it was recorded a revocation still concerns a live access token. */
  get revocationLifetimeMs(): number {
    return this.revocations.revocationLifetimeMs;
  }

  /** The JSON Web Key Set that verifies access tokens. */
  signingKeys(): string {
    return this.revocations.signingKeys();
  }

  // ---- Emailed tokens (emailed-tokens.ts) ----

  /** Emails a password-reset link when the address can log in; answers the same either way. */
  requestPasswordReset(context: RequestContext, email: string): void {
    this.emailedTokens.requestPasswordReset(context, email);
  }

  /** Sets a new password with an emailed token, ends every session and starts a fresh one. */
  resetPassword(input: ResetPasswordInput): Promise<Session> {
    return this.emailedTokens.resetPassword(input);
  }

  /** Emails a verification link to the account's current address; nothing when it is verified already. */
  requestEmailVerification(accountId: string): Promise<void> {
    return this.emailedTokens.requestEmailVerification(accountId);
  }

  /** Marks the account's email verified with an emailed token. */
  verifyEmail(token: string): Promise<Account> {
    return this.emailedTokens.verifyEmail(token);
  }

  // ---- Address books (addresses.ts) ----

  /** The account's addresses, oldest first. */
  listAddresses(accountId: string): Promise<Address[]> {
    return this.addresses.listAddresses(accountId);
  }

  /** One address of any account; ADDRESS_NOT_FOUND without it. */
  getAddress(id: string): Promise<Address> {
    return this.addresses.getAddress(id);
  }

  /** Adds a validated address; the book's first becomes its default for shipping and billing; at most 20. */
  addAddress(input: AddAddressInput): Promise<Address> {
    return this.addresses.addAddress(input);
  }

  /** Changes the given fields and default flags of one of the account's addresses, validated as a whole. */
  updateAddress(input: UpdateAddressInput): Promise<Address> {
    return this.addresses.updateAddress(input);
  }

  /** Deletes one of the account's addresses. */
  deleteAddress(input: DeleteAddressInput): Promise<void> {
    return this.addresses.deleteAddress(input);
  }
}
