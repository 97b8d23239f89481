import {
  ACCOUNT_ROLES,
  alreadyExists,
  invalidArgument,
  newId,
  normalizePage,
  recordEvents,
  requireEmail,
  requireId,
  requireIds,
  requireOneOf,
  requireText,
  type AppError,
  type Database,
  type EnumInput,
  type Page,
  type RequestContext,
} from "@polyscale/platform";
import { accountNotFound } from "./client.js";
import type { EmailedTokenService } from "./emailed-tokens.js";
import { accountRegistered, accountUpdated } from "./events.js";
import { requireAccount } from "./lookups.js";
import type { Account, Role, Session } from "./model.js";
import { hashPassword, MIN_PASSWORD_LENGTH, requirePassword, verifyPassword } from "./passwords.js";
import * as repository from "./repository.js";
import { revokeSessions } from "./revocations.js";
import { invalidCredentials, type SessionService } from "./sessions.js";

const MAX_NAME_LENGTH = 100;
const MAX_IDS_PER_BATCH = 1000;

function emailTaken(): AppError {
  return alreadyExists("EMAIL_TAKEN", "an account with this email already exists", "email");
}

/** CreateAccount's input, unchecked: email and password both empty or both given; role unset means customer. */
export interface CreateAccountInput {
  name: string;
  email: string;
  password: string;
  role?: EnumInput<Role>;
}

/** ListAccounts' input: the filter and the page, flat, as the contract's request carries them. */
export interface ListAccountsInput extends Page {
  /** Non-empty: only the account holding this email. */
  email?: string;
}

/** Register's input, unchecked. */
export interface RegisterInput {
  name: string;
  email: string;
  password: string;
}

/** UpdateProfile's input, unchecked: a field left undefined stays as it is; at least one must be given. */
export interface UpdateProfileInput {
  accountId: string;
  name?: string;
  email?: string;
}

/** ChangePassword's input, unchecked. */
export interface ChangePasswordInput {
  accountId: string;
  currentPassword: string;
  newPassword: string;
}

/** SetRole's input, unchecked: the role as the server read it from the contract (undefined: unset, refused). */
export interface SetRoleInput {
  accountId: string;
  role: EnumInput<Role> | undefined;
}

/** SetDisabled's input, unchecked. */
export interface SetDisabledInput {
  accountId: string;
  disabled: boolean;
}

/** The first admin's credentials, from ADMIN_EMAIL and ADMIN_PASSWORD, unchecked. */
export interface EnsureAdminInput {
  email: string;
  password: string;
}

export interface ProfileServiceOptions {
  database: Database;
  sessions: SessionService;
  emailedTokens: EmailedTokenService;
  /** Called after a change that revokes access tokens has committed (the revocation feed then looks at once). */
  onRevocation: () => void;
}

/**
 * Profiles: creating and registering accounts, reading them, and changing a profile, a password, a role or whether the
 * account may log in. A change that must end sessions does so through sessions.ts in the same transaction.
 */
export class ProfileService {
  private readonly database: Database;
  private readonly sessions: SessionService;
  private readonly emailedTokens: EmailedTokenService;
  private readonly onRevocation: () => void;

  constructor(options: ProfileServiceOptions) {
    this.database = options.database;
    this.sessions = options.sessions;
    this.emailedTokens = options.emailedTokens;
    this.onRevocation = options.onRevocation;
  }

  /**
   * An admin operation: email and password are given together or not at all; role defaults to customer.
   * INVALID_ARGUMENT naming the field for a bad name, email, password or role.
   */
  async createAccount(input: CreateAccountInput): Promise<Account> {
    const name = requireText("name", input.name, { max: MAX_NAME_LENGTH });
    const role = input.role === undefined ? "customer" : requireOneOf("role", input.role, ACCOUNT_ROLES);
    let email: string | null = null;
    let password: string | null = null;
    if (input.email !== "" || input.password !== "") {
      if (input.email === "") throw invalidArgument("email", "is required when a password is given");
      if (input.password === "") throw invalidArgument("password", "is required when an email is given");
      email = requireEmail("email", input.email);
      password = requirePassword("password", input.password, MIN_PASSWORD_LENGTH);
    }
    const passwordHash = password === null ? null : await hashPassword(password);
    const account = { id: newId(), name, email, passwordHash, role };
    return this.database.transaction(async (tx) => {
      const created = await repository.insertAccount(tx, account);
      if (!created) throw emailTaken();
      await recordEvents(tx, [accountRegistered(created)]);
      return created;
    });
  }

  getAccount(id: string): Promise<Account> {
    return requireAccount(this.database, id, "id");
  }

  /** The accounts that exist among the ids, in the order asked, each once. */
  async getAccounts(ids: readonly string[]): Promise<Account[]> {
    const wanted = requireIds("ids", ids, { max: MAX_IDS_PER_BATCH });
    const found = new Map(
      (await repository.findAccounts(this.database, wanted)).map((account) => [account.id, account]),
    );
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  /** Newest first; with a non-empty email, only the account holding it (INVALID_ARGUMENT for a malformed one). */
  async listAccounts(input: ListAccountsInput): Promise<Account[]> {
    const email = input.email ? requireEmail("email", input.email) : undefined;
    return repository.listAccounts(this.database, normalizePage(input), email);
  }

  /** Registers and sends a verification email (in the background: a mail fault never fails a registration). */
  async register(context: RequestContext, input: RegisterInput): Promise<Session> {
    const name = requireText("name", input.name, { max: MAX_NAME_LENGTH });
    const email = requireEmail("email", input.email);
    const password = requirePassword("password", input.password, MIN_PASSWORD_LENGTH);
    const passwordHash = await hashPassword(password);
    const session = await this.database.transaction(async (tx) => {
      const account = await repository.insertAccount(tx, { id: newId(), name, email, passwordHash, role: "customer" });
      if (!account) throw emailTaken();
      await recordEvents(tx, [accountRegistered(account)]);
      return this.sessions.issueSession(tx, { account, familyId: newId(), tokenGeneration: 0 });
    });
    this.emailedTokens.sendVerificationLater(context, session.account);
    return session;
  }

  /** Changes the name, the email or both; at least one must be given. */
  async updateProfile(input: UpdateProfileInput): Promise<Account> {
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
          throw accountNotFound(accountId, "accountId");
        case "emailTaken":
          throw emailTaken();
        case "updated":
          await recordEvents(tx, [accountUpdated(outcome.account)]);
          return outcome.account;
        case "unchanged":
          return outcome.account;
      }
    });
  }

  /**
   * Checks the current password, sets the new one, revokes every session of the account and starts a fresh one.
   * Wrong current passwords are throttled by the gateway like failed logins.
   */
  async changePassword(input: ChangePasswordInput): Promise<Session> {
    const accountId = requireId("accountId", input.accountId);
    const currentPassword = requirePassword("currentPassword", input.currentPassword, 1);
    const newPassword = requirePassword("newPassword", input.newPassword, MIN_PASSWORD_LENGTH);
    const credentials = await repository.findCredentials(this.database, accountId);
    if (!credentials) throw accountNotFound(accountId, "accountId");
    const verified = await verifyPassword(credentials.passwordHash, currentPassword);
    if (!verified || !credentials.passwordHash) throw invalidCredentials();
    const newPasswordHash = await hashPassword(newPassword);
    const session = await this.sessions.startSession({
      accountId,
      verifiedHash: credentials.passwordHash,
      change: async (tx) => {
        const tokenGeneration = await revokeSessions(tx, accountId, "password_changed", "every_session");
        return { account: await repository.setPasswordHash(tx, accountId, newPasswordHash), tokenGeneration };
      },
    });
    this.onRevocation();
    return session;
  }

  /**
   * Changes the role: account.updated carries the new one, and access tokens issued before carry the old one, so
   * they are revoked (a refresh gets the new). Setting the role the account has changes, publishes and revokes nothing.
   */
  async setRole(input: SetRoleInput): Promise<Account> {
    const accountId = requireId("accountId", input.accountId);
    const role = requireOneOf("role", input.role, ACCOUNT_ROLES);
    const outcome = await this.database.transaction(async (tx) => {
      const locked = await repository.lockAccount(tx, accountId);
      if (!locked) return undefined;
      const changed = await repository.setRole(tx, accountId, role);
      if (!changed) return { account: locked.account, revoked: false };
      await recordEvents(tx, [accountUpdated(changed)]);
      await revokeSessions(tx, accountId, "role_changed", "access_tokens");
      return { account: changed, revoked: true };
    });
    if (!outcome) throw accountNotFound(accountId, "accountId");
    if (outcome.revoked) this.onRevocation();
    return outcome.account;
  }

  /**
   * Disabling ends every session and refuses logins and refreshes; enabling lets the owner log in again. Only a change
   * of state writes: disabling a disabled account revokes and publishes nothing more. Enabling publishes no event, as
   * the catalogue's account.updated carries no disabled state.
   */
  async setDisabled(input: SetDisabledInput): Promise<Account> {
    const accountId = requireId("accountId", input.accountId);
    const outcome = await this.database.transaction(async (tx) => {
      const locked = await repository.lockAccount(tx, accountId);
      if (!locked) return undefined;
      const changed = await repository.setDisabled(tx, accountId, input.disabled);
      if (!changed) return { account: locked.account, revoked: false };
      if (input.disabled) await revokeSessions(tx, accountId, "account_disabled", "every_session");
      return { account: changed, revoked: input.disabled };
    });
    if (!outcome) throw accountNotFound(accountId, "accountId");
    if (outcome.revoked) this.onRevocation();
    return outcome.account;
  }

  /**
   * Creates the first admin unless an account already has its email. Several replicas may start at once: only one
   * insert wins, the others change nothing. True when this call created it.
   */
  async ensureAdmin(input: EnsureAdminInput): Promise<boolean> {
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
}
