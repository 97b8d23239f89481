import { describe, expect, it } from "vitest";
import { ConcurrencyLimit } from "./concurrency-limit.js";
import { AppError } from "./errors.js";
import { metricsRegistry } from "./metrics.js";

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("ConcurrencyLimit", () => {
  it("runs at most `limit` calls at once and starts the waiting ones in arrival order", async () => {
    const limit = new ConcurrencyLimit({ limit: 4, name: "test call" });
    let running = 0;
    let mostAtOnce = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        limit.run({}, async () => {
          started.push(index);
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          // Yield a few turns so the others pile up behind the limit.
          for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
          return index * 2;
        }),
      ),
    );
    expect(mostAtOnce).toBe(4);
    expect(started).toEqual(Array.from({ length: 100 }, (_, index) => index));
    expect(results.reduce((sum, value) => sum + value, 0)).toBe(2 * ((99 * 100) / 2));
    expect(limit.running + limit.waiting).toBe(0);
  });

  it("frees the slot of a call that failed, and passes its error on", async () => {
    const limit = new ConcurrencyLimit({ limit: 1, name: "test call" });
    const failing = limit.run({}, () => Promise.reject(new Error("boom")));
    const next = limit.run({}, () => Promise.resolve("ran"));
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
  });

  it("refuses a call whose deadline passed while it waited, without running it", async () => {
    const limit = new ConcurrencyLimit({ limit: 1, name: "placement" });
    const held = gate();
    const first = limit.run({}, () => held.promise);
    let expiredRan = false;
    const expired = limit.run({ deadline: new Date(Date.now() - 1) }, () => {
      expiredRan = true;
      return Promise.resolve();
    });
    const later = limit.run({ deadline: new Date(Date.now() + 60_000) }, () => Promise.resolve("ran"));
    expect(limit.waiting).toBe(2);
    held.open();
    await first;
    const error = await expired.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "DEADLINE_EXCEEDED", reason: "SERVICE_UNAVAILABLE" });
    expect((error as AppError).message).toBe("the placement waited for its turn past its deadline");
    expect(expiredRan).toBe(false);
    await expect(later).resolves.toBe("ran");
  });

  it("shows its calls running and waiting on /metrics, by its name", async () => {
    const limit = new ConcurrencyLimit({ limit: 2, name: "metrics-test" });
    const held = gate();
    const calls = Array.from({ length: 5 }, () => limit.run({}, () => held.promise));
    const scraped = await metricsRegistry.getSingleMetricAsString("polyscale_limited_calls");
    expect(scraped).toContain('polyscale_limited_calls{limit="metrics-test",state="running"} 2');
    expect(scraped).toContain('polyscale_limited_calls{limit="metrics-test",state="waiting"} 3');
    held.open();
    await Promise.all(calls);
    expect(await metricsRegistry.getSingleMetricAsString("polyscale_limited_calls")).toContain(
      'polyscale_limited_calls{limit="metrics-test",state="waiting"} 0',
    );
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new ConcurrencyLimit({ limit: bad, name: "x" })).toThrow(RangeError);
    }
  });
});
