import { createHash } from "node:crypto";
import { canonicalEmail } from "@polyscale/platform";
import { RateLimitedError } from "./http/errors.js";
import type { ThrottleRule, ThrottleStore } from "./throttle-stores.js";

/** Keys are hashed: fixed length whatever the input, and no email address sits in memory dumps or Redis in clear. */
function keyOf(rule: ThrottleRule, parts: readonly string[]): string {
  return `${rule.name}:${createHash("sha256").update(parts.join("\u0000")).digest("base64url")}`;
}

export interface ThrottleRules {
  /** Failed logins (and password checks) for one email from one address. */
  loginPerEmailAndAddress: ThrottleRule;
  /** Failed logins from one address, whatever the email. */
  loginPerAddress: ThrottleRule;
  /** Registrations and other expensive anonymous operations from one address; each counts. */
  anonymousPerAddress: ThrottleRule;
}

/**
 * Whose password is being checked: an email as typed at login (keyed in canonical form, the account service's own,
 * so that padded, cased or differently normalised spellings of one address share one count), or a signed-in account.
 */
export type LoginSubject = { email: string } | { accountId: string };

function subjectKey(who: LoginSubject): string {
  return "email" in who ? `email:${canonicalEmail(who.email)}` : `account:${who.accountId}`;
}

/** A login let through: report how it ended, so that only failures keep counting. */
export interface LoginAttempt {
  /** Right password: the email's count from this address starts again; the address keeps no count for it. */
  succeeded(): Promise<void>;
  /** Ended without a password being checked (bad input, a service down): counts nothing. */
  abandoned(): Promise<void>;
}

export interface ThrottleOptions {
  /** Where the counts live (ThrottleStore). */
  store: ThrottleStore;
  rules: ThrottleRules;
}

function tooManyAttempts(retryAfterMs: number): RateLimitedError {
  return new RateLimitedError("TOO_MANY_ATTEMPTS", retryAfterMs);
}

/**
 * The gateway's throttles over one store; every refusal is a RateLimitedError (RESOURCE_EXHAUSTED, TOO_MANY_ATTEMPTS)
 * with the seconds to wait, which clients get as REST `Retry-After` and GraphQL `extensions.retryAfterSeconds`.
 */
export class Throttle {
  private readonly store: ThrottleStore;
  private readonly rules: ThrottleRules;

  constructor(options: ThrottleOptions) {
    this.store = options.store;
    this.rules = options.rules;
  }

  /**
   * Counts a password attempt for `who` from the address before it is checked, so a burst of concurrent guesses
   * cannot all pass before the first fails. Throws RESOURCE_EXHAUSTED while either key must wait.
   */
  async beginLogin(who: LoginSubject, address: string): Promise<LoginAttempt> {
    const addressKey = keyOf(this.rules.loginPerAddress, [address]);
    const pairKey = keyOf(this.rules.loginPerEmailAndAddress, [subjectKey(who), address]);
    const byAddress = await this.store.take(addressKey, this.rules.loginPerAddress);
    if (!byAddress.allowed) throw tooManyAttempts(byAddress.retryAfterMs);
    const byPair = await this.store.take(pairKey, this.rules.loginPerEmailAndAddress);
    if (!byPair.allowed) {
      await this.store.refund(addressKey);
      throw tooManyAttempts(byPair.retryAfterMs);
    }
    return {
      succeeded: async () => {
        await Promise.all([this.store.reset(pairKey), this.store.refund(addressKey)]);
      },
      abandoned: async () => {
        await Promise.all([this.store.refund(pairKey), this.store.refund(addressKey)]);
      },
    };
  }

  /** Counts one expensive anonymous operation (registration, password reset) from the address. */
  async countAnonymous(address: string): Promise<void> {
    const decision = await this.store.take(
      keyOf(this.rules.anonymousPerAddress, [address]),
      this.rules.anonymousPerAddress,
    );
    if (!decision.allowed) throw tooManyAttempts(decision.retryAfterMs);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
