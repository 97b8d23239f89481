import { describe, expect, it } from "vitest";
import type { RoundsResult } from "./rounds.js";
import { summarize } from "./summary.js";
import { judgeTargets } from "./targets.js";
import { sampleRun } from "./test-support.js";

describe("judgeTargets", () => {
  it("passes and misses each target against its limit", () => {
    const verdicts = Object.fromEntries(
      judgeTargets(summarize(sampleRun), 100_000).map((row) => [row.target, row.verdict]),
    );
    expect(verdicts["gateway ÷ direct gRPC ≥ 0.6 (point reads)"]).toBe("PASS");
    expect(verdicts["direct gRPC ÷ pgbench ≥ 0.4 (point reads)"]).toBe("MISS");
    expect(verdicts["search p99 ≤ 25 ms (at 100,000 products; this run: 100,000)"]).toBe("MISS");
    expect(verdicts["contended checkout: 0 units oversold"]).toBe("PASS");
    expect(verdicts["contended checkout p99 ≤ 150 ms (worst round)"]).toBe("MISS");
    expect(verdicts["product: idle resident memory ≤ 100 MB"]).toBe("PASS");
    expect(verdicts["gateway: idle resident memory ≤ 150 MB"]).toBe("MISS");
    const growth = "product: resident memory grows < 10 % across rounds (floor, first half → second half)";
    expect(verdicts[growth]).toBe("MISS");
    expect(verdicts["nested listing: 1 order-service call per query (DataLoader batching)"]).toBe("PASS");
  });

  it("says n/a when a figure could not be measured", () => {
    const withoutPgbench: RoundsResult = {
      ...sampleRun,
      rounds: sampleRun.rounds.map((r) => ({ ...r, pointReads: { ...r.pointReads, pgbench: undefined } })),
    };
    const row = judgeTargets(summarize(withoutPgbench), 100_000).find((r) => r.target.startsWith("direct gRPC"));
    expect(row).toMatchObject({ measured: "n/a", verdict: "n/a" });
  });
});
