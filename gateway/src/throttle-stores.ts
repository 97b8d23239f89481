import { Redis } from "ioredis";
import { describeError, type Logger } from "@polyscale/platform";

/**
 * Throttling of guessable and expensive anonymous operations, after the OWASP Authentication Cheat Sheet ("Login
 * Throttling"): a few attempts are free, then each further one must wait twice as long as the last, up to a cap, and
 * the count is forgotten after a quiet window. Nothing is ever locked: the owner of an account, who throttles on
 * another key (their own address), is not slowed by someone else's failures.
 */
export interface ThrottleRule {
  /** Part of the key, e.g. "login-email-address". */
  readonly name: string;
  /** Attempts without delay within the window. */
  readonly freeAttempts: number;
  /** Wait after the first attempt beyond the free ones; doubles with each further attempt. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Counts are forgotten this long after the last attempt (or the end of the last wait, if later). */
  readonly windowMs: number;
}

/** Allowed, or refused with the milliseconds until the next attempt may be made. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Where counts live: in this process, or in Redis so that every gateway replica shares them. */
export interface ThrottleStore {
  /** Atomically: refuse while the key must wait, otherwise count one attempt (and set the wait it earns). */
  take(key: string, rule: ThrottleRule): Promise<ThrottleDecision>;
  /** Gives back one counted attempt, e.g. one that turned out to be a success. */
  refund(key: string): Promise<void>;
  /** Forgets the key, e.g. after a successful login for that email from that address. */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The wait earned by the `count`-th attempt of a window: 0 for the free ones, then base·2^k, capped. */
export function delayAfter(count: number, rule: ThrottleRule): number {
  if (count <= rule.freeAttempts) return 0;
  return Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (count - rule.freeAttempts - 1));
}

interface Entry {
  count: number;
  blockedUntil: number;
  expiresAt: number;
}

export interface MemoryThrottleStoreOptions {
  /** Most keys remembered; beyond it the one touched longest ago is forgotten, so a flood of addresses is bounded. */
  maxKeys?: number;
  now?: () => number;
}

/** Counts in this process: the embedded default, and the fallback while Redis is unreachable. */
export class MemoryThrottleStore implements ThrottleStore {
  // Insertion order is refreshed on every write, so the first entry is the one touched longest ago.
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemoryThrottleStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  take(key: string, rule: ThrottleRule): Promise<ThrottleDecision> {
    const now = this.now();
    const entry = this.live(key, now) ?? { count: 0, blockedUntil: 0, expiresAt: 0 };
    if (now < entry.blockedUntil) return Promise.resolve({ allowed: false, retryAfterMs: entry.blockedUntil - now });
    entry.count += 1;
    const delay = delayAfter(entry.count, rule);
    if (delay > 0) entry.blockedUntil = now + delay;
    entry.expiresAt = now + Math.max(rule.windowMs, delay);
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return Promise.resolve({ allowed: true });
  }

  refund(key: string): Promise<void> {
    const entry = this.live(key, this.now());
    if (entry) entry.count = Math.max(0, entry.count - 1);
    return Promise.resolve();
  }

  reset(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Keys remembered, for tests of the memory bound. */
  get size(): number {
    return this.entries.size;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

// The same rule as MemoryThrottleStore.take, run atomically inside Redis on Redis's own clock, so that replicas with
// skewed clocks agree. Returns 0 when allowed, else the milliseconds to wait.
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local free, base, cap, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'count', 'blockedUntil')
local count = tonumber(state[1]) or 0
local blockedUntil = tonumber(state[2]) or 0
if now < blockedUntil then return blockedUntil - now end
count = count + 1
local delay = 0
if count > free then delay = math.min(cap, base * 2 ^ (count - free - 1)) end
if delay > 0 then blockedUntil = now + delay end
redis.call('HSET', KEYS[1], 'count', count, 'blockedUntil', string.format('%d', blockedUntil))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(window, delay)))
return 0`;

const REFUND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('HGET', KEYS[1], 'count') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'count', -1)
end
return 0`;

const KEY_PREFIX = "polyscale:throttle:";
/** A warning about Redis at most this often, not one per request while it is down. */
const WARNING_INTERVAL_MS = 30_000;

export interface RedisThrottleStoreOptions {
  /** REDIS_URL. */
  url: string;
  /** Where an unreachable Redis is reported (at most every WARNING_INTERVAL_MS). */
  logger: Logger;
}

/**
 * Counts in Redis, shared by every gateway replica. While Redis cannot be reached, counts fall back to this process
 * (still throttled, per replica) rather than refusing every login or letting every guess through.
 */
export class RedisThrottleStore implements ThrottleStore {
  private readonly redis: Redis;
  private readonly logger: Logger;
  private readonly fallback = new MemoryThrottleStore();
  private warnedAt = 0;

  constructor(options: RedisThrottleStoreOptions) {
    this.logger = options.logger;
    this.redis = new Redis(options.url, {
      // While (re)connecting a command waits at most commandTimeout, then the fallback answers.
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      connectTimeout: 2000,
    });
    // Without a listener an 'error' event would be thrown; the commands report their own failures.
    this.redis.on("error", () => {});
  }

  async take(key: string, rule: ThrottleRule): Promise<ThrottleDecision> {
    try {
      const wait = Number(
        await this.redis.eval(
          TAKE_SCRIPT,
          1,
          KEY_PREFIX + key,
          rule.freeAttempts,
          rule.baseDelayMs,
          rule.maxDelayMs,
          rule.windowMs,
        ),
      );
      return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
    } catch (error) {
      this.warn(error);
      return this.fallback.take(key, rule);
    }
  }

  async refund(key: string): Promise<void> {
    await this.redis.eval(REFUND_SCRIPT, 1, KEY_PREFIX + key).catch((error: unknown) => this.warn(error));
    await this.fallback.refund(key);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(KEY_PREFIX + key).catch((error: unknown) => this.warn(error));
    await this.fallback.reset(key);
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  private warn(error: unknown): void {
    if (Date.now() - this.warnedAt < WARNING_INTERVAL_MS) return;
    this.warnedAt = Date.now();
    this.logger.warn({ err: describeError(error) }, "Redis unreachable: throttling counts in this process meanwhile");
  }
}
