import type { Logger } from "pino";
import { describeError } from "./error-description.js";
import { inBackground } from "./telemetry/background.js";

export interface PeriodicJobOptions {
  /** Time between the starts of two runs. */
  intervalMs: number;
  logger: Logger;
  /** What a failed run logs at warn, with the error's type, message and code (never a stack). */
  failureMessage: string;
  /** One run; a run still going when the next tick comes makes that tick skip, so runs never overlap. */
  run: () => Promise<void>;
}

/**
 * A background job run every `intervalMs`: the shape of every service's sweeps (expired tokens, reconciliation).
 * `start()` sets the timer (unref'd: it never keeps the process alive); `stop()` clears it and waits for the run in
 * progress, so a shutdown closes the database only after the job let go of it. Runs happen outside any trace.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: PeriodicJobOptions) {}

  start(): void {
    this.timer ??= setInterval(
      inBackground(() => {
        this.running ??= this.options
          .run()
          .catch((error: unknown) =>
            this.options.logger.warn({ err: describeError(error) }, this.options.failureMessage),
          )
          .finally(() => (this.running = undefined));
      }),
      this.options.intervalMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

export interface PeriodicPurgeOptions {
  /** Time between the starts of two purges. */
  intervalMs: number;
  logger: Logger;
  /** What is purged, in the plural, for the log lines: "expired refresh tokens". */
  what: string;
  /** One purge: deletes what has expired and says how many rows it deleted. */
  purge: () => Promise<number>;
}

/**
 * A PeriodicJob that deletes expired rows (account's refresh tokens, order's guest carts): a row past its expiry is
 * already refused, so the purge only keeps its table from growing. Logs "<what> purged" with the count when there were
 * some, and "could not purge <what>" when a purge failed.
 */
export class PeriodicPurge {
  private readonly job: PeriodicJob;

  constructor({ intervalMs, logger, what, purge }: PeriodicPurgeOptions) {
    this.job = new PeriodicJob({
      intervalMs,
      logger,
      failureMessage: `could not purge ${what}`,
      run: async () => {
        const deleted = await purge();
        if (deleted > 0) logger.info({ deleted }, `${what} purged`);
      },
    });
  }

  start(): void {
    this.job.start();
  }

  /** Stops the interval and waits for a purge in progress. */
  stop(): Promise<void> {
    return this.job.stop();
  }
}
