import { domainEvent, type DomainEvent } from "@polyscale/platform";
import type { Account } from "./model.js";

/**
 * The events the account service writes to its outbox (catalogue: proto/polyscale/events/v1/events.proto). Each is
 * written in the transaction of the change it reports, after the account's row was locked or created.
 */

export function accountRegistered(account: Account): DomainEvent {
  return domainEvent("account.registered", account.id, {
    accountId: account.id,
    name: account.name,
    email: account.email ?? "",
    role: account.role.toUpperCase(),
    createdAt: account.createdAt,
  });
}

export function accountUpdated(account: Account): DomainEvent {
  return domainEvent("account.updated", account.id, {
    accountId: account.id,
    name: account.name,
    email: account.email ?? "",
    role: account.role.toUpperCase(),
  });
}

/** Why sessions ended, for audit: the operation that ended them. */
export type SessionsRevokedReason =
  | "logout"
  | "logout_all"
  | "password_changed"
  | "password_reset"
  | "role_changed"
  | "account_disabled"
  | "refresh_token_reuse";

/** One session family (familyId) or, without one, every session of the account was revoked now. */
export function sessionsRevoked(accountId: string, reason: SessionsRevokedReason, familyId?: string): DomainEvent {
  return domainEvent("account.sessions_revoked", accountId, {
    accountId,
    revokedAt: new Date(),
    reason,
    familyId: familyId ?? "",
  });
}
