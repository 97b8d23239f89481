import { PeriodicJob, type Logger } from "@polyscale/platform";

export interface GuestCartSweepOptions {
  /** What deletes the expired guest carts and says how many (the OrderService). */
  carts: { sweepExpiredGuestCarts(): Promise<number> };
  logger: Logger;
  /** How often a sweep runs. */
  intervalMs: number;
}

/**
 * Deletes expired guest carts every intervalMs, logging how many when there were some. Their tokens are dead from
 * expiry on: this only frees the rows.
 */
export class GuestCartSweep {
  private readonly job: PeriodicJob;

  constructor({ carts, logger, intervalMs }: GuestCartSweepOptions) {
    this.job = new PeriodicJob({
      intervalMs,
      logger,
      failureMessage: "could not delete expired guest carts",
      run: async () => {
        const deleted = await carts.sweepExpiredGuestCarts();
        if (deleted > 0) logger.info({ deleted }, "expired guest carts deleted");
      },
    });
  }

  start(): void {
    this.job.start();
  }

  /** Stops the interval and waits for a sweep in progress. */
  stop(): Promise<void> {
    return this.job.stop();
  }
}
