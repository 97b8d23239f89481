import { describe, expect, it } from "vitest";
import { summarizeLatencies } from "../stats.js";
import {
  configurationOrder,
  observabilityTargets,
  summarizeCost,
  type Configuration,
  type ConfigurationRound,
} from "./observability-cost.js";

function round(
  number: number,
  configuration: Configuration,
  ordersPerSecond: number,
  readsPerSecond: number,
  extra: Partial<ConfigurationRound> = {},
): ConfigurationRound {
  return {
    round: number,
    configuration,
    checkoutOrders: 100,
    checkoutOrdersPerSecond: ordersPerSecond,
    checkoutLatency: summarizeLatencies([10, 20]),
    pointReads: {
      requests: 1000,
      errors: 0,
      seconds: 1,
      requestsPerSecond: readsPerSecond,
      latency: summarizeLatencies([1, 2]),
    },
    ...extra,
  };
}

describe("cost of events and tracing", () => {
  it("compares each round with its own baseline and judges lag over every event of every round", () => {
    // 100 events of 5–40 ms in round 1 and 100 of 30–120 ms in round 2: that round's own p99 is its one late event's
    // 120 ms, while the p99 of all 200 events is 40 ms.
    const eventLags = [...Array<number>(98).fill(5), 40, 40, ...Array<number>(99).fill(30), 120];
    const cost = summarizeCost(
      [
        round(1, "baseline", 200, 1000),
        round(1, "events", 190, 1000, {
          eventLag: summarizeLatencies([5, 40]),
          eventsDelivered: 1,
          benchLoopDelayP99: 30,
        }),
        round(1, "tracing", 150, 500),
        // A slower machine in round 2: the drop is still measured against round 2's own baseline.
        round(2, "baseline", 100, 800),
        round(2, "events", 80, 800, {
          eventLag: summarizeLatencies([5, 120]),
          eventsDelivered: 1,
          benchLoopDelayP99: 12,
        }),
        round(2, "tracing", 50, 600),
      ],
      {},
      eventLags,
    );
    expect(cost.eventsCheckoutCostPercent).toBeCloseTo((5 + 20) / 2);
    expect(cost.tracingCheckoutCostPercent).toBeCloseTo((25 + 50) / 2);
    expect(cost.tracingPointReadsCostPercent).toBeCloseTo((50 + 25) / 2);
    expect(cost.summary.baseline.checkoutOrdersPerSecond).toBe(150);
    expect(cost.eventLagP99).toBe(40);
    expect(cost.eventLagP50).toBe(30);
    expect(cost.eventLagWorstP99).toBe(120);
    // The load generator's own loop delay is that of the round the worst lag came from, not the worst of all rounds.
    expect(cost.benchLoopDelayP99).toBe(12);
    expect(observabilityTargets(cost).map((row) => row.verdict)).toEqual(["MISS", "PASS", "PASS"]);
  });

  it("reports events as not measured when they were skipped", () => {
    const cost = summarizeCost([round(1, "baseline", 200, 1000), round(1, "tracing", 150, 500)], {
      events: "nats-server is not installed",
    });
    expect(observabilityTargets(cost).map((row) => row.verdict)).toEqual(["n/a", "n/a", "n/a"]);
  });

  it("runs every configuration as often before the baseline as after it", () => {
    const configurations = ["baseline", "events", "tracing"] as const;
    for (const measured of ["events", "tracing"] as const) {
      const after = [1, 2, 3, 4, 5, 6].map((round) => {
        const order = configurationOrder(configurations, round);
        return order.indexOf(measured) > order.indexOf("baseline");
      });
      expect(after.filter(Boolean)).toHaveLength(3);
    }
    // Each round runs each configuration once.
    expect([...configurationOrder(configurations, 2)].sort()).toEqual([...configurations].sort());
  });
});
