import type { Logger } from "pino";
import { describeError } from "./errors.js";

/**
 * Makes the process stop cleanly on SIGTERM or SIGINT: each step runs in order (stop accepting and drain, then close
 * pools), and the process exits 0. If the steps hang past timeoutMs, or a second signal comes, it exits 1 at once.
 * An error nobody caught is logged without its stack and ends the process, so an orchestrator restarts it.
 */
export function stopOnSignals(logger: Logger, steps: Array<() => Promise<void>>, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long, exiting");
      process.exit(1);
    }, timeoutMs + 1000).unref();
    (async () => {
      for (const step of steps) await step();
    })().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: describeError(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  const crash = (error: unknown) => {
    logger.fatal({ err: describeError(error) }, "uncaught error");
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}
