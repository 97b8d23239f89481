import { PeriodicJob, type Logger } from "@polyscale/platform";

export interface RefreshTokenPurgeOptions {
  /** What deletes the expired refresh tokens' rows and says how many (the AccountService). */
  tokens: { purgeExpiredRefreshTokens(): Promise<number> };
  logger: Logger;
  /** How often a purge runs. */
  intervalMs: number;
}

/**
 * Deletes the rows of expired refresh tokens every intervalMs, logging how many when there were some. An expired token
 * is refused whether or not its row is still there: this only keeps the table from growing.
 */
export class RefreshTokenPurge {
  private readonly job: PeriodicJob;

  constructor({ tokens, logger, intervalMs }: RefreshTokenPurgeOptions) {
    this.job = new PeriodicJob({
      intervalMs,
      logger,
      failureMessage: "could not purge expired refresh tokens",
      run: async () => {
        const deleted = await tokens.purgeExpiredRefreshTokens();
        if (deleted > 0) logger.info({ deleted }, "expired refresh tokens purged");
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
