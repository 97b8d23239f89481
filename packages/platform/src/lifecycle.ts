import type { Logger } from "pino";
import { stopWhenOrphaned } from "./child-process.js";
import { describeError } from "./error-description.js";
import { stopTracing } from "./telemetry/tracing.js";

/**
 * Makes the process stop cleanly on SIGTERM, SIGINT or SIGHUP, or when the launcher that started it is gone: each step
 * runs in order (stop accepting and drain, then close pools), the spans still buffered are sent, and the process exits 0. If the steps hang past timeoutMs, or a second signal comes, it exits 1 at once.
 * An error nobody caught is logged without its stack and ends the process, so an orchestrator restarts it.
 */
/** One step of a shutdown: closing a pool or stopping a job, synchronous or not. */
export type Closer = () => void | Promise<void>;

export function stopOnSignals(logger: Logger, steps: Closer[], timeoutMs: number): void {
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
      await stopTracing();
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
  process.on("SIGHUP", () => stop("SIGHUP"));
  stopWhenOrphaned(() => stop("parent exited"));
  const crash = (error: unknown) => {
    logger.fatal({ err: describeError(error) }, "uncaught error");
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}
