import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "./logger.js";
import { PeriodicJob, PeriodicPurge } from "./periodic-job.js";

/** The real pino logger, writing its JSON lines into an array. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger("periodic-job-test", "info", destination), lines };
}

/** A run that stays in progress until finish() is called. */
function controlledRuns() {
  const finishers: Array<(error?: Error) => void> = [];
  const run = () =>
    new Promise<void>((resolve, reject) => finishers.push((error) => (error ? reject(error) : resolve())));
  return { run, finishers };
}

describe("PeriodicJob", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs every interval, skipping ticks while a run is in progress", async () => {
    const { logger } = capturedLogger();
    const { run, finishers } = controlledRuns();
    const job = new PeriodicJob({ intervalMs: 100, logger, failureMessage: "sweep failed", run });
    job.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(finishers).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(301);
    expect(finishers).toHaveLength(1);
    finishers[0]!();
    await vi.advanceTimersByTimeAsync(100);
    expect(finishers).toHaveLength(2);
    finishers[1]!();
    await job.stop();
  });

  it("logs a failed run in one coded line without a stack, and keeps running", async () => {
    const { logger, lines } = capturedLogger();
    const { run, finishers } = controlledRuns();
    const job = new PeriodicJob({ intervalMs: 100, logger, failureMessage: "sweep failed", run });
    job.start();
    await vi.advanceTimersByTimeAsync(100);
    finishers[0]!(Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" }));
    await vi.advanceTimersByTimeAsync(100);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: "sweep failed",
        err: { type: "Error", message: "connection refused", code: "ECONNREFUSED" },
      }),
    ]);
    expect(finishers).toHaveLength(2);
    finishers[1]!();
    await job.stop();
  });

  it("stop() waits for the run in progress and no run starts after it", async () => {
    const { logger } = capturedLogger();
    const { run, finishers } = controlledRuns();
    const job = new PeriodicJob({ intervalMs: 100, logger, failureMessage: "sweep failed", run });
    job.start();
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(500);
    expect(stopped).toBe(false);
    finishers[0]!();
    await stopping;
    expect(stopped).toBe(true);
    expect(finishers).toHaveLength(1);
  });
});

describe("PeriodicPurge", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("logs how many rows a purge deleted only when it deleted some, and a failed purge in one line", async () => {
    const { logger, lines } = capturedLogger();
    const outcomes: Array<number | Error> = [0, 3, new Error("connection refused"), 1];
    const purge = new PeriodicPurge({
      intervalMs: 100,
      logger,
      what: "expired guest carts",
      purge: () => {
        const outcome = outcomes.shift()!;
        return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
      },
    });
    purge.start();
    await vi.advanceTimersByTimeAsync(400);
    await purge.stop();
    expect(outcomes).toEqual([]);
    expect(lines.map(({ msg, deleted, err }) => ({ msg, deleted, err }))).toEqual([
      { msg: "expired guest carts purged", deleted: 3, err: undefined },
      {
        msg: "could not purge expired guest carts",
        deleted: undefined,
        err: { type: "Error", message: "connection refused" },
      },
      { msg: "expired guest carts purged", deleted: 1, err: undefined },
    ]);
  });
});
