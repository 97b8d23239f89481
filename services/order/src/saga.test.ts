import { createLogger } from "@polyscale/platform";
import { describe, expect, it } from "vitest";
import { withSaga, type Step } from "./saga.js";

const logger = createLogger("saga-test", "silent");

/** A step that records what it did and undid in `log`; `fail` makes its invoke throw that error. */
function recordingStep(name: string, log: string[], fail?: Error): Step<string, string> {
  return {
    name,
    invoke: (input) => {
      if (fail) return Promise.reject(fail);
      log.push(`do ${name}(${input})`);
      return Promise.resolve(`${name}-output`);
    },
    compensate: (input, output) => {
      log.push(`undo ${name}(${input}, ${output ?? "no output"})`);
      return Promise.resolve();
    },
    mayHaveTakenEffect: (error) => error instanceof Error && error.message === "timed out",
  };
}

describe("Saga", () => {
  it("undoes the steps that took effect, last first, and hands the flow's own error on", async () => {
    const log: string[] = [];
    const failure = new Error("refused");
    await expect(
      withSaga(logger, async (saga) => {
        await saga.run(recordingStep("claim", log), "a");
        await saga.run(recordingStep("reserve", log), "b");
        await saga.run(recordingStep("store", log, failure), "c");
      }),
    ).rejects.toBe(failure);
    expect(log).toEqual([
      "do claim(a)",
      "do reserve(b)",
      "undo reserve(b, reserve-output)",
      "undo claim(a, claim-output)",
    ]);
  });

  it("undoes a failed step too when its failure may have taken effect", async () => {
    const log: string[] = [];
    await expect(
      withSaga(logger, async (saga) => {
        await saga.run(recordingStep("claim", log), "a");
        await saga.run(recordingStep("reserve", log, new Error("timed out")), "b");
      }),
    ).rejects.toThrow("timed out");
    expect(log).toEqual(["do claim(a)", "undo reserve(b, no output)", "undo claim(a, claim-output)"]);
  });

  it("still runs the other undos when one fails, logging the one that failed; undoes nothing after a success", async () => {
    const log: string[] = [];
    const logged: string[] = [];
    const capturing = createLogger("saga-test", "warn", { write: (line: string) => void logged.push(line) });
    const broken: Step<string, void> = {
      name: "broken",
      invoke: () => Promise.resolve(),
      compensate: () => Promise.reject(new Error("database gone")),
    };
    await expect(
      withSaga(capturing, async (saga) => {
        await saga.run(recordingStep("claim", log), "a");
        await saga.run(broken, "b");
        throw new Error("later step failed");
      }),
    ).rejects.toThrow("later step failed");
    expect(log).toEqual(["do claim(a)", "undo claim(a, claim-output)"]);
    expect(logged.map((line) => JSON.parse(line) as { step: string; msg: string })).toMatchObject([
      { step: "broken", msg: "could not undo a step of a failed flow" },
    ]);

    const succeeded: string[] = [];
    expect(await withSaga(logger, (saga) => saga.run(recordingStep("only", succeeded), "x"))).toBe("only-output");
    expect(succeeded).toEqual(["do only(x)"]);
  });
});
