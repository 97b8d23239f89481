import { resourceExhausted } from "@polyscale/platform";

export interface LoginRateLimits {
  maxAttemptsPerEmail: number;
  maxAttemptsPerIp: number;
  windowSeconds: number;
  /** Most keys remembered at once; beyond it the oldest windows are forgotten first. */
  maxKeys?: number;
  /** Milliseconds since the epoch; replaceable in tests. */
  now?: () => number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/** An attempt let through: settle it with succeeded(), or leave it counted as a failure. */
export interface LoginAttempt {
  succeeded(): void;
}

/**
 * Counts failed logins per email and per client IP in fixed windows, in memory (so per process). An attempt is
 * counted when it starts and refunded if it succeeds, so a burst of concurrent guesses cannot slip past the limit
 * before the first of them fails.
 */
export class LoginRateLimiter {
  // Insertion order is window start order, because a key whose window expired is deleted before it is counted again.
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly limits: LoginRateLimits) {
    this.windowMs = limits.windowSeconds * 1000;
    this.maxKeys = limits.maxKeys ?? 100_000;
    this.now = limits.now ?? Date.now;
  }

  /** Throws RESOURCE_EXHAUSTED when either key has used up its failures in this window; otherwise counts one. */
  begin(email: string, clientIp: string): LoginAttempt {
    const now = this.now();
    this.forgetExpired(now);
    const keys: Array<[string, number]> = [[`email:${email}`, this.limits.maxAttemptsPerEmail]];
    if (clientIp) keys.push([`ip:${clientIp}`, this.limits.maxAttemptsPerIp]);
    if (keys.some(([key, max]) => (this.windows.get(key)?.failures ?? 0) >= max)) {
      throw resourceExhausted("too many login attempts; try again later");
    }
    const counted = keys.map(([key]) => this.count(key, now));
    return {
      succeeded: () => {
        for (const window of counted) window.failures = Math.max(0, window.failures - 1);
      },
    };
  }

  private count(key: string, now: number): Window {
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      window = { startedAt: now, failures: 0 };
      this.windows.set(key, window);
    }
    window.failures += 1;
    return window;
  }

  private forgetExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < this.windowMs) break;
      this.windows.delete(key);
    }
  }

  /** Keys currently remembered, for tests of the memory bound. */
  get size(): number {
    return this.windows.size;
  }
}
