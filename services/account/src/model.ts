import type { AccountRole, PostalAddress } from "@polyscale/platform";

/** The account service's own types; server.ts converts them to and from the generated proto messages. */

/** The platform defines the roles once: the account service grants them, every verifier reads them. */
export type Role = AccountRole;

export interface Account {
  id: string;
  name: string;
  /** Lowercase; null for an account created without credentials. */
  email: string | null;
  role: Role;
  /** A disabled account cannot log in or refresh. */
  disabled: boolean;
  /** The owner followed the link of a verification email sent to the current address. */
  emailVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An account with its password hash, for the few operations that check credentials. */
export interface AccountCredentials {
  account: Account;
  /** Null for an account created without credentials. */
  passwordHash: string | null;
  /** Access tokens carry this; those of a lower generation are revoked. */
  tokenGeneration: number;
}

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  accountId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewAccount {
  id: string;
  name: string;
  email: string | null;
  passwordHash: string | null;
  role: Role;
}

/** A refresh token with what the grace window needs to know, judged by the database's clock. */
export interface RefreshTokenState extends RefreshTokenRecord {
  /** Used, and less than the grace window ago. */
  usedWithinGrace: boolean;
  expired: boolean;
}

/** One row of access_revocations (see sql/120_access_revocations.sql). */
export interface RevocationRecord {
  sequence: number;
  accountId: string;
  /** Null: every access token of the account below `generation`. */
  sessionId: string | null;
  generation: number;
  recordedAt: Date;
}

/** What GetSessionState answers about one access token: the account's token generation and the session's fate. */
export interface SessionState {
  generation: number;
  sessionRevoked: boolean;
}

export type AccountTokenPurpose = "password_reset" | "email_verification";

/** What a successful registration, login, refresh or password change hands out. */
export interface Session {
  account: Account;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** A checked change of a name, an email or both (repository.updateProfile); undefined leaves a field as it is. */
export interface AccountChanges {
  name?: string;
  email?: string;
}

/** What changing a name or email came to (repository.updateProfile). */
export type ProfileUpdate =
  | { kind: "updated"; account: Account }
  /** The account had these values already; nothing was written. */
  | { kind: "unchanged"; account: Account }
  | { kind: "accountNotFound" }
  /** Another account has the email; nothing changed. */
  | { kind: "emailTaken" };

/** An entry of an account's address book: a validated postal address (the platform's requirePostalAddress). */
export interface Address extends PostalAddress {
  id: string;
  accountId: string;
  /** At most one address of a book is the default for shipping, and one for billing. */
  defaultShipping: boolean;
  defaultBilling: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An address about to be stored (repository.insertAddress, repository.updateAddress). */
export interface AddressRecord extends PostalAddress {
  id: string;
  accountId: string;
  defaultShipping: boolean;
  defaultBilling: boolean;
}
