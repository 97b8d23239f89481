import type { AccountClient, Revocation, WatchRevocationsResponse } from "@polyscale/account";
import { inBackground, unauthenticated, type CallContext, type Logger } from "@polyscale/platform";

/** What an access token says about its session: who, which session, and the account's token generation then. */
export interface TokenSession {
  accountId: string;
  /** Empty for tokens issued before sessions were named. */
  sessionId: string;
  generation: number;
}

export interface RevocationCacheOptions {
  /** Most revocations kept; beyond it the oldest are dropped and misses are asked for until they would be forgotten. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The revocations that still matter (each until its forgetAfter, when every token it concerns has expired), fed by
 * the account service's WatchRevocations stream. Bounded: when full, the entry closest to being forgotten is dropped,
 * and until that entry would have been forgotten the cache answers "unknown" for tokens it has no entry for.
 */
export class RevocationCache {
  private readonly generations = new Map<string, { generation: number; forgetAfter: number }>();
  private readonly sessions = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Until then, a miss may be an entry that was dropped for room. */
  private incompleteUntil = 0;

  constructor(options: RevocationCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  apply(revocations: readonly Revocation[]): void {
    const now = this.now();
    for (const revocation of revocations) {
      const forgetAfter = revocation.forgetAfter?.getTime() ?? now;
      if (forgetAfter <= now) continue;
      if (revocation.sessionId) {
        this.sessions.set(revocation.sessionId, Math.max(forgetAfter, this.sessions.get(revocation.sessionId) ?? 0));
      } else {
        const known = this.generations.get(revocation.accountId);
        if (!known || known.generation < revocation.generation) {
          this.generations.set(revocation.accountId, { generation: revocation.generation, forgetAfter });
        } else if (known.generation === revocation.generation) {
          known.forgetAfter = Math.max(known.forgetAfter, forgetAfter);
        }
      }
    }
    this.evict(now);
  }

  /** "revoked", "valid", or "unknown" when a needed entry may have been dropped for room. */
  judge(token: TokenSession): "revoked" | "valid" | "unknown" {
    const now = this.now();
    const session = token.sessionId ? this.sessions.get(token.sessionId) : undefined;
    if (session !== undefined && session > now) return "revoked";
    const account = this.generations.get(token.accountId);
    if (account && account.forgetAfter > now) return token.generation < account.generation ? "revoked" : "valid";
    return now < this.incompleteUntil ? "unknown" : "valid";
  }

  get size(): number {
    return this.generations.size + this.sessions.size;
  }

  private evict(now: number): void {
    if (this.size <= this.maxEntries) return;
    for (const [key, entry] of this.generations) if (entry.forgetAfter <= now) this.generations.delete(key);
    for (const [key, forgetAfter] of this.sessions) if (forgetAfter <= now) this.sessions.delete(key);
    // Maps keep insertion order, which is roughly forgetAfter order: drop from the front of the larger one.
    while (this.size > this.maxEntries) {
      const fromSessions = this.sessions.size >= this.generations.size;
      const map = fromSessions ? this.sessions : this.generations;
      const [key, value] = map.entries().next().value as [string, number | { forgetAfter: number }];
      map.delete(key);
      const forgetAfter = typeof value === "number" ? value : value.forgetAfter;
      this.incompleteUntil = Math.max(this.incompleteUntil, forgetAfter);
    }
  }
}

export interface RevocationCheckerOptions {
  /** The account service: its WatchRevocations stream, and GetSessionState while the stream cannot answer. */
  account: Pick<AccountClient, "watchRevocations" | "getSessionState">;
  logger: Logger;
  /** A stream silent this long (no revocation, no heartbeat) counts as down. */
  staleAfterMs?: number;
  /** How long an answer of the fallback (GetSessionState) is reused. */
  fallbackTtlMs?: number;
  cache?: RevocationCache;
  /**
   * The waits before each reconnect attempt, the last repeated; until the stream has connected once, one failed
   * attempt per entry is logged at debug, not warn. Default RECONNECT_DELAYS_MS (about 4 s of quiet).
   */
  reconnectDelaysMs?: readonly number[];
}

const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000];
const FALLBACK_MAX_ENTRIES = 10_000;

/**
 * Refuses access tokens revoked before they expire (logout, logout everywhere, password or role change, disabled
 * account) within about a second on every gateway: the account service pushes revocations over a gRPC server stream
 * into a bounded cache. While the stream is down or behind (silent past its heartbeats) and for cache misses after an
 * overflow, the gateway asks the account service per token instead (GetSessionState, answers reused briefly); if that
 * fails too the request is refused as UNAVAILABLE rather than trusted.
 */
export class RevocationChecker {
  private readonly account: Pick<AccountClient, "watchRevocations" | "getSessionState">;
  private readonly logger: Logger;
  private readonly cache: RevocationCache;
  private readonly staleAfterMs: number;
  private readonly fallbackTtlMs: number;
  private readonly reconnectDelaysMs: readonly number[];
  private readonly fallback = new Map<
    string,
    { at: number; state: Promise<{ generation: number; sessionRevoked: boolean }> }
  >();
  private lastMessageAt = 0;
  private caughtUp = false;
  private connectedOnce = false;
  private stream?: ReturnType<AccountClient["watchRevocations"]>;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(options: RevocationCheckerOptions) {
    this.account = options.account;
    this.logger = options.logger;
    this.cache = options.cache ?? new RevocationCache();
    this.staleAfterMs = options.staleAfterMs ?? 6000;
    this.fallbackTtlMs = options.fallbackTtlMs ?? 500;
    this.reconnectDelaysMs = options.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
  }

  /** Opens the stream, and keeps reopening it (with backoff) whenever it ends. */
  start(): void {
    if (this.stopped || this.stream) return;
    // A stream for the process's lifetime: never inside the trace of whatever was active when it (re)opened.
    const stream = inBackground(() => this.account.watchRevocations({}))();
    this.stream = stream;
    this.caughtUp = false;
    stream.on("data", (message: WatchRevocationsResponse) => {
      this.cache.apply(message.revocations);
      this.lastMessageAt = Date.now();
      if (!this.caughtUp) {
        this.caughtUp = true;
        this.connectedOnce = true;
        this.attempt = 0;
        this.logger.info("revocation stream connected");
      }
    });
    const ended = (error?: Error & { code?: number }) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.caughtUp = false;
      if (this.stopped) return;
      // A gateway may start before the account service (npm start starts every process at once, Kubernetes in any
      // order): until the stream has connected once, its first reconnect attempts (about 4 s) fail quietly.
      const waitingForFirst = !this.connectedOnce && this.attempt < this.reconnectDelaysMs.length;
      // Only the status code: grpc-js puts internal addresses into its messages.
      if (error) {
        this.logger[waitingForFirst ? "debug" : "warn"](
          { grpcCode: error.code },
          "revocation stream lost; reconnecting",
        );
      }
      const delay = this.reconnectDelaysMs[Math.min(this.attempt, this.reconnectDelaysMs.length - 1)]!;
      this.attempt += 1;
      this.reconnectTimer = setTimeout(() => this.start(), delay);
    };
    stream.on("error", ended);
    stream.on("end", () => ended());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    this.stream = undefined;
  }

  /** True while the stream is connected, caught up and heard from recently. */
  get live(): boolean {
    return this.caughtUp && Date.now() - this.lastMessageAt < this.staleAfterMs;
  }

  /** Throws UNAUTHENTICATED when the token was revoked; UNAVAILABLE when that cannot be told. */
  async check(token: TokenSession, context: CallContext): Promise<void> {
    const verdict = this.live ? this.cache.judge(token) : "unknown";
    if (verdict === "valid") return;
    if (verdict === "revoked") throw revoked();
    const state = await this.askAccountService(token, context);
    if (state.sessionRevoked || token.generation < state.generation) throw revoked();
  }

  private askAccountService(token: TokenSession, context: CallContext) {
    const key = `${token.accountId}/${token.sessionId}`;
    const now = Date.now();
    const cached = this.fallback.get(key);
    if (cached && now - cached.at < this.fallbackTtlMs) return cached.state;
    const state = this.account
      .getSessionState({ accountId: token.accountId, sessionId: token.sessionId }, context)
      .then((response) => ({ generation: response.generation, sessionRevoked: response.sessionRevoked }));
    state.catch(() => this.fallback.delete(key));
    this.fallback.delete(key);
    this.fallback.set(key, { at: now, state });
    if (this.fallback.size > FALLBACK_MAX_ENTRIES) this.fallback.delete(this.fallback.keys().next().value!);
    return state;
  }
}

function revoked(): Error {
  return unauthenticated(
    "TOKEN_REVOKED",
    "access token was revoked (logged out, password or role changed); log in again",
  );
}
