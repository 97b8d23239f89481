import type { Logger } from "pino";
import { describeError } from "./error-description.js";

export interface OutageOptions {
  /** The `code` of every line: `<code>` while down, `<code>_RECOVERED` once back. */
  code: string;
  /** The line when it goes down ("NATS unreachable; events wait in the outbox"), and when it is back. */
  message: string;
  recoveredMessage: string;
  /** First pause after a failure (ms); it doubles with each failure in a row, up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** While down, a reminder line at most this often (ms). */
  reminderMs?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

/**
 * A dependency's outage as the log and the retry loop see it: the first failure logs once, further failures log a
 * reminder at most every reminderMs (with how long and how many attempts), the first success after them logs once.
 * failed() returns how long to wait before the next attempt: exponential (1 s, 2 s, 4 s …) and capped (60 s).
 * Before, a broker that was down logged one line per second per service.
 */
export class Outage {
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly reminderMs: number;
  private readonly now: () => number;
  private since: number | undefined;
  private lastLogAt = 0;
  private failures = 0;

  constructor(
    private readonly logger: Pick<Logger, "warn" | "info">,
    private readonly options: OutageOptions,
  ) {
    this.firstDelayMs = options.firstDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.reminderMs = options.reminderMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get down(): boolean {
    return this.since !== undefined;
  }

  /** Records a failed attempt (logging as above) and returns the pause before the next one, in ms. */
  failed(error?: unknown): number {
    const now = this.now();
    this.failures += 1;
    const err = error === undefined ? {} : { err: describeError(error) };
    if (this.since === undefined) {
      this.since = now;
      this.lastLogAt = now;
      this.logger.warn({ code: this.options.code, ...err }, this.options.message);
    } else if (now - this.lastLogAt >= this.reminderMs) {
      this.lastLogAt = now;
      const downForSeconds = Math.round((now - this.since) / 1000);
      this.logger.warn(
        { code: this.options.code, downForSeconds, attempts: this.failures, ...err },
        `still: ${this.options.message}`,
      );
    }
    return Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** (this.failures - 1));
  }

  /** Records a success: one line if it ends an outage, and the next failure starts from the first delay again. */
  recovered(): void {
    if (this.since !== undefined) {
      const downForSeconds = Math.round((this.now() - this.since) / 1000);
      this.logger.info({ code: `${this.options.code}_RECOVERED`, downForSeconds }, this.options.recoveredMessage);
    }
    this.since = undefined;
    this.failures = 0;
  }
}
