import { describe, expect, it } from "vitest";
import { floorGrowthPercent, summarize } from "./summary.js";
import { sampleRun } from "./test-support.js";

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
