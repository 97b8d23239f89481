/** For tests: a small, hand-made run of three rounds whose medians, ratios and verdicts are easy to work out. */
import type { LoadResult } from "./load.js";
import type { RoundResult, RoundsResult } from "./rounds.js";
import type { CheckoutRound } from "./scenarios/checkout.js";

const MB = 1024 * 1024;
const latency = (p50: number, p99: number) => ({ count: 100, p50, p99, p999: p99, max: p99 });
const load = (requestsPerSecond: number, p99 = 5): LoadResult => ({
  requests: requestsPerSecond,
  errors: 0,
  seconds: 1,
  requestsPerSecond,
  latency: latency(1, p99),
});
export const checkout = (p99: number, oversoldUnits = 0): CheckoutRound => ({
  buyers: 50,
  hotProducts: 10,
  initialUnits: 50,
  soldUnits: 50,
  unsoldUnits: 0,
  orders: 45,
  refusals: 60,
  unexpectedErrors: 0,
  seconds: 1,
  ordersPerSecond: 45,
  latency: latency(20, p99),
  integrity: {
    oversoldUnits,
    failedButReservedUnits: 0,
    stockSumMismatchUnits: oversoldUnits,
    orderServiceMismatchUnits: 0,
    reservationsComplete: true,
    passed: oversoldUnits === 0,
  },
});
const memory = (megabytes: number) => ({
  account: megabytes * MB,
  product: megabytes * MB,
  order: megabytes * MB,
  gateway: 2 * megabytes * MB,
});

interface RoundFigures {
  gateway: number;
  grpc: number;
  pgbench: number;
  rss: number;
  checkoutP99: number;
}

function round(number: number, figures: RoundFigures): RoundResult {
  return {
    round: number,
    pointReads: {
      order: ["gateway", "grpc", "pgbench"],
      gateway: load(figures.gateway),
      grpc: load(figures.grpc),
      pgbench: { transactionsPerSecond: figures.pgbench, averageLatencyMs: 0.5, failedTransactions: 0 },
    },
    grpcHop: { grpc: latency(1, 2), inProcess: latency(0.25, 1), hopP50Ms: 0.75 },
    search: { overall: load(500, 30), byKind: { rare: { latency: latency(3, 9), meanMatches: 12 } } },
    checkout: checkout(figures.checkoutP99),
    listing: {
      queries: 10,
      accountsPerQuery: 51,
      ordersPerQuery: 45,
      orderedProductsPerQuery: 50,
      callsPerQuery: { account: 1, order: 1 },
      latency: latency(8, 12),
    },
    cpuMsPerRequest: { pointReadsGrpc: { account: 0, product: 0.2, order: 0, gateway: 0, bench: 0.3 } },
    residentBytesAfter: memory(figures.rss),
  };
}

export const sampleRun: RoundsResult = {
  idleResidentBytes: memory(80),
  peakResidentBytes: memory(120),
  searchMix: { rare: [], common: [], categoryIds: [], issued: 0 },
  rounds: [
    round(1, { gateway: 600, grpc: 1000, pgbench: 4000, rss: 100, checkoutP99: 100 }),
    round(2, { gateway: 700, grpc: 1000, pgbench: 2000, rss: 105, checkoutP99: 200 }),
    round(3, { gateway: 800, grpc: 1000, pgbench: 3000, rss: 112, checkoutP99: 120 }),
  ],
};
