import { describe, expect, it } from "vitest";
import { integrityChecks } from "./integrity.js";
import type { RoundsResult } from "./rounds.js";
import { checkout, sampleRun } from "./test-support.js";

describe("integrityChecks", () => {
  it("all hold for a clean run", () => {
    expect(integrityChecks(sampleRun).every((check) => check.passed)).toBe(true);
  });

  it("fails on an oversold unit in any round, and on a scenario that completed nothing", () => {
    const broken: RoundsResult = {
      ...sampleRun,
      rounds: [
        ...sampleRun.rounds.slice(0, 2),
        {
          ...sampleRun.rounds[2]!,
          checkout: checkout(100, 2),
          listing: { ...sampleRun.rounds[2]!.listing, queries: 0 },
        },
      ],
    };
    const failed = integrityChecks(broken).filter((check) => !check.passed);
    expect(failed.map((check) => check.check)).toEqual([
      "no unit oversold",
      "initial stock = stock left + units sold, per product",
      "every scenario completed requests",
    ]);
    expect(failed[0]!.detail).toBe("2 units");
    expect(failed[2]!.detail).toBe("none completed: nested listing");
  });
});
