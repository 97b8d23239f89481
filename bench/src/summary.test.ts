import { describe, expect, it } from "vitest";
import type { RoundsResult } from "./rounds.js";
import { floorGrowthPercent, integrityChecks, judgeTargets, summarize } from "./summary.js";
import { checkout, sampleRun } from "./test-support.js";

describe("summarize", () => {
  it("takes medians over rounds, ratios per round, and memory growth across rounds", () => {
    const summary = summarize(sampleRun);
    expect(summary.pointReads.gatewayRps).toBe(700);
    expect(summary.pointReads.gatewayOverGrpc).toBeCloseTo(0.7);
    // Per-round ratios 0.25, 0.5, 0.333: their median, not the ratio of the medians (1000 / 3000).
    expect(summary.pointReads.grpcOverPgbench).toBeCloseTo(1 / 3);
    expect(summary.checkout.worstP99).toBe(200);
    expect(summary.memory.product.afterRoundsMb).toEqual([100, 105, 112]);
    expect(summary.memory.product.growthPercent).toBeCloseTo(12);
    expect(summary.memory.gateway.idleMb).toBe(160);
    expect(summary.listing.callsPerQuery).toEqual({ account: 1, order: 1 });
    expect(summary.cpuMsPerRequest.pointReadsGrpc?.product).toBeCloseTo(0.2);
    expect(summary.cpuMsPerRequest.pointReadsGrpc?.bench).toBeCloseTo(0.3);
  });
});

describe("floorGrowthPercent", () => {
  it("compares the lowest reading of each half, so one late garbage collection does not look like a leak", () => {
    expect(floorGrowthPercent([125, 163, 183, 130, 190, 182])).toBeCloseTo(4);
    expect(floorGrowthPercent([100, 110, 120, 130])).toBeCloseTo(20);
    expect(floorGrowthPercent([100, 90])).toBeCloseTo(-10);
    expect(floorGrowthPercent([100])).toBeNaN();
  });
});

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
