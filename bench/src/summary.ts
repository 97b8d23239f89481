import type { ServiceName } from "@polyscale/tools/system";
import type { CostedScenario, RoundsResult } from "./rounds.js";
import { median, ratio } from "./stats.js";

/**
 * The figures reported: the median over rounds of each measured value (the JSON keeps every round), the targets of
 * bench/README.md judged against them, and the integrity checks that make the run fail.
 */

const MB = 1024 * 1024;
const PROCESSES: ServiceName[] = ["account", "product", "order", "gateway"];

export interface Summary {
  pointReads: {
    gatewayRps: number;
    grpcRps: number;
    pgbenchRps: number;
    gatewayOverGrpc: number;
    grpcOverPgbench: number;
    gatewayP50: number;
    gatewayP99: number;
    grpcP50: number;
    grpcP99: number;
    pgbenchAverageMs: number;
  };
  grpcHop: { grpcP50: number; grpcP99: number; inProcessP50: number; inProcessP99: number; hopP50: number };
  search: {
    rps: number;
    /** Search requests/s ÷ point reads/s, both through the gateway over HTTP in the same round (median of rounds). */
    overPointReads: number;
    /** Mean NDCG@10 of the relevance suite on this run's engine; NaN when not measured. */
    ndcg: number;
    p50: number;
    p99: number;
    p999: number;
    byKind: Record<string, { p50: number; p99: number; meanMatches: number }>;
  };
  checkout: {
    ordersPerSecond: number;
    p50: number;
    p99: number;
    /** Worst round. */
    worstP99: number;
    oversoldUnits: number;
    failedButReservedUnits: number;
    stockSumMismatchUnits: number;
    orderServiceMismatchUnits: number;
    unexpectedErrors: number;
  };
  listing: {
    accountsPerQuery: number;
    ordersPerQuery: number;
    /** Most downstream calls per query seen in any round, by service; undefined when the gateway does not tell. */
    callsPerQuery?: Record<string, number>;
    p50: number;
    p99: number;
  };
  memory: Record<
    ServiceName,
    { idleMb: number; peakMb: number; afterRoundsMb: number[]; /** See floorGrowthPercent. */ growthPercent: number }
  >;
  cpuMsPerRequest: Partial<Record<CostedScenario, Record<ServiceName | "bench", number>>>;
}

const medianOf = <T>(items: readonly T[], pick: (item: T) => number | undefined) =>
  median(items.map((item) => pick(item) ?? Number.NaN));
const sumOf = <T>(items: readonly T[], pick: (item: T) => number) => items.reduce((sum, item) => sum + pick(item), 0);

/**
 * How much the floor of resident memory rose from the first half of the rounds to the second: the lowest reading of
 * each half, as a leak raises the floor while the timing of garbage collection only moves single readings up.
 */
export function floorGrowthPercent(afterRounds: readonly number[]): number {
  if (afterRounds.length < 2) return Number.NaN;
  const half = Math.ceil(afterRounds.length / 2);
  const before = Math.min(...afterRounds.slice(0, half));
  const after = Math.min(...afterRounds.slice(half));
  return (100 * (after - before)) / before;
}

export function summarize(result: RoundsResult): Summary {
  const rounds = result.rounds;
  const gatewayRps = medianOf(rounds, (r) => r.pointReads.gateway.requestsPerSecond);
  const grpcRps = medianOf(rounds, (r) => r.pointReads.grpc.requestsPerSecond);
  const pgbenchRps = medianOf(rounds, (r) => r.pointReads.pgbench?.transactionsPerSecond);
  const kinds = [...new Set(rounds.flatMap((r) => Object.keys(r.search.byKind)))];
  const services = [...new Set(rounds.flatMap((r) => Object.keys(r.listing.callsPerQuery ?? {})))];
  const scenarios = [...new Set(rounds.flatMap((r) => Object.keys(r.cpuMsPerRequest)))] as CostedScenario[];
  return {
    pointReads: {
      gatewayRps,
      grpcRps,
      pgbenchRps,
      // Ratios per round, then their median: each round's paths ran back to back on the same machine state.
      gatewayOverGrpc: medianOf(rounds, (r) =>
        ratio(r.pointReads.gateway.requestsPerSecond, r.pointReads.grpc.requestsPerSecond),
      ),
      grpcOverPgbench: medianOf(rounds, (r) =>
        ratio(r.pointReads.grpc.requestsPerSecond, r.pointReads.pgbench?.transactionsPerSecond ?? Number.NaN),
      ),
      gatewayP50: medianOf(rounds, (r) => r.pointReads.gateway.latency.p50),
      gatewayP99: medianOf(rounds, (r) => r.pointReads.gateway.latency.p99),
      grpcP50: medianOf(rounds, (r) => r.pointReads.grpc.latency.p50),
      grpcP99: medianOf(rounds, (r) => r.pointReads.grpc.latency.p99),
      pgbenchAverageMs: medianOf(rounds, (r) => r.pointReads.pgbench?.averageLatencyMs),
    },
    grpcHop: {
      grpcP50: medianOf(rounds, (r) => r.grpcHop.grpc.p50),
      grpcP99: medianOf(rounds, (r) => r.grpcHop.grpc.p99),
      inProcessP50: medianOf(rounds, (r) => r.grpcHop.inProcess?.p50),
      inProcessP99: medianOf(rounds, (r) => r.grpcHop.inProcess?.p99),
      hopP50: medianOf(rounds, (r) => r.grpcHop.hopP50Ms),
    },
    search: {
      rps: medianOf(rounds, (r) => r.search.overall.requestsPerSecond),
      overPointReads: medianOf(
        rounds,
        (r) => r.search.overall.requestsPerSecond / r.pointReads.gateway.requestsPerSecond,
      ),
      ndcg: result.relevance?.meanNdcg ?? Number.NaN,
      p50: medianOf(rounds, (r) => r.search.overall.latency.p50),
      p99: medianOf(rounds, (r) => r.search.overall.latency.p99),
      p999: medianOf(rounds, (r) => r.search.overall.latency.p999),
      byKind: Object.fromEntries(
        kinds.map((kind) => [
          kind,
          {
            p50: medianOf(rounds, (r) => r.search.byKind[kind as keyof typeof r.search.byKind]?.latency.p50),
            p99: medianOf(rounds, (r) => r.search.byKind[kind as keyof typeof r.search.byKind]?.latency.p99),
            meanMatches: medianOf(rounds, (r) => r.search.byKind[kind as keyof typeof r.search.byKind]?.meanMatches),
          },
        ]),
      ),
    },
    checkout: {
      ordersPerSecond: medianOf(rounds, (r) => r.checkout.ordersPerSecond),
      p50: medianOf(rounds, (r) => r.checkout.latency.p50),
      p99: medianOf(rounds, (r) => r.checkout.latency.p99),
      worstP99: Math.max(...rounds.map((r) => r.checkout.latency.p99).filter(Number.isFinite)),
      oversoldUnits: sumOf(rounds, (r) => r.checkout.integrity.oversoldUnits),
      failedButReservedUnits: sumOf(rounds, (r) => r.checkout.integrity.failedButReservedUnits),
      stockSumMismatchUnits: sumOf(rounds, (r) => r.checkout.integrity.stockSumMismatchUnits),
      orderServiceMismatchUnits: sumOf(rounds, (r) => r.checkout.integrity.orderServiceMismatchUnits),
      unexpectedErrors: sumOf(rounds, (r) => r.checkout.unexpectedErrors),
    },
    listing: {
      accountsPerQuery: medianOf(rounds, (r) => r.listing.accountsPerQuery),
      ordersPerQuery: medianOf(rounds, (r) => r.listing.ordersPerQuery),
      callsPerQuery:
        services.length === 0
          ? undefined
          : Object.fromEntries(
              services.map((name) => [name, Math.max(...rounds.map((r) => r.listing.callsPerQuery?.[name] ?? 0))]),
            ),
      p50: medianOf(rounds, (r) => r.listing.latency.p50),
      p99: medianOf(rounds, (r) => r.listing.latency.p99),
    },
    memory: Object.fromEntries(
      PROCESSES.map((name) => {
        const afterRoundsMb = rounds.map((r) => r.residentBytesAfter[name] / MB);
        return [
          name,
          {
            idleMb: result.idleResidentBytes[name] / MB,
            peakMb: (result.peakResidentBytes[name] ?? Number.NaN) / MB,
            afterRoundsMb,
            growthPercent: floorGrowthPercent(afterRoundsMb),
          },
        ];
      }),
    ) as Summary["memory"],
    cpuMsPerRequest: Object.fromEntries(
      scenarios.map((scenario) => [
        scenario,
        Object.fromEntries(
          [...PROCESSES, "bench" as const].map((name) => [
            name,
            medianOf(rounds, (r) => r.cpuMsPerRequest[scenario]?.[name]),
          ]),
        ),
      ]),
    ),
  };
}

export type Verdict = "PASS" | "MISS" | "n/a";

export interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

const judge = (value: number, ok: (value: number) => boolean): Verdict =>
  Number.isFinite(value) ? (ok(value) ? "PASS" : "MISS") : "n/a";

const fixed = (value: number, digits = 1, unit = "") =>
  Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : "n/a";

/** The targets of bench/README.md, one row each. */
export function judgeTargets(summary: Summary, products: number): TargetRow[] {
  const { pointReads, search, checkout, listing, memory } = summary;
  const rows: TargetRow[] = [
    {
      target: "gateway ÷ direct gRPC ≥ 0.6 (point reads)",
      measured: fixed(pointReads.gatewayOverGrpc, 2),
      verdict: judge(pointReads.gatewayOverGrpc, (v) => v >= 0.6),
    },
    {
      target: "direct gRPC ÷ pgbench ≥ 0.4 (point reads)",
      measured: fixed(pointReads.grpcOverPgbench, 2),
      verdict: judge(pointReads.grpcOverPgbench, (v) => v >= 0.4),
    },
    {
      target: "search ÷ point reads ≥ 0.5 (both through the gateway, non-repeating mix)",
      measured: fixed(search.overPointReads, 2),
      verdict: judge(search.overPointReads, (v) => v >= 0.5),
    },
    {
      target: `search p50 ≤ 5 ms (at 100,000 products; this run: ${products.toLocaleString("en-US")})`,
      measured: fixed(search.p50, 1, " ms"),
      verdict: judge(search.p50, (v) => v <= 5),
    },
    {
      target: `search p99 ≤ 25 ms (at 100,000 products; this run: ${products.toLocaleString("en-US")})`,
      measured: fixed(search.p99, 1, " ms"),
      verdict: judge(search.p99, (v) => v <= 25),
    },
    {
      target: "contended checkout: 0 units oversold",
      measured: String(checkout.oversoldUnits),
      verdict: checkout.oversoldUnits === 0 ? "PASS" : "MISS",
    },
    {
      target: "contended checkout p99 ≤ 150 ms (worst round)",
      measured: fixed(checkout.worstP99, 1, " ms"),
      verdict: judge(checkout.worstP99, (v) => v <= 150),
    },
  ];
  for (const [name, figures] of Object.entries(memory)) {
    const limit = name === "gateway" ? 150 : 100;
    rows.push({
      target: `${name}: idle resident memory ≤ ${limit} MB`,
      measured: fixed(figures.idleMb, 1, " MB"),
      verdict: judge(figures.idleMb, (v) => v <= limit),
    });
  }
  for (const [name, figures] of Object.entries(memory)) {
    rows.push({
      target: `${name}: resident memory grows < 10 % across rounds (floor, first half → second half)`,
      measured: fixed(figures.growthPercent, 1, " %"),
      verdict: judge(figures.growthPercent, (v) => v < 10),
    });
  }
  const orderCalls = listing.callsPerQuery?.order ?? Number.NaN;
  rows.push({
    target: "nested listing: 1 order-service call per query (DataLoader batching)",
    measured: listing.callsPerQuery ? fixed(orderCalls, 0) : "not reported by the gateway",
    verdict: judge(orderCalls, (v) => v <= 1),
  });
  return rows;
}

export interface IntegrityCheck {
  check: string;
  passed: boolean;
  detail: string;
}

/** What must hold in every run, quick or full: a failure makes the benchmark exit non-zero. */
export function integrityChecks(result: RoundsResult): IntegrityCheck[] {
  const rounds = result.rounds;
  const checkout = (pick: (r: RoundsResult["rounds"][number]) => number) => sumOf(rounds, pick);
  const loads = rounds.flatMap(
    (r) =>
      [
        ["point reads via the gateway", r.pointReads.gateway.requests],
        ["point reads via gRPC", r.pointReads.grpc.requests],
        ["search", r.search.overall.requests],
        ["contended checkout", r.checkout.orders],
        ["nested listing", r.listing.queries],
      ] as const,
  );
  const idle = loads.filter(([, requests]) => requests === 0).map(([name]) => name);
  return [
    {
      check: "no unit oversold",
      passed: checkout((r) => r.checkout.integrity.oversoldUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.oversoldUnits)} units`,
    },
    {
      check: "no stock held or sold for a failed order",
      passed: checkout((r) => r.checkout.integrity.failedButReservedUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.failedButReservedUnits)} units${
        rounds.every((r) => r.checkout.integrity.reservationsComplete) ? "" : " (reservation list truncated at 1000)"
      }`,
    },
    {
      check: "initial stock = stock left + units sold, per product",
      passed: checkout((r) => r.checkout.integrity.stockSumMismatchUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.stockSumMismatchUnits)} units off`,
    },
    {
      check: "the order service's open orders hold exactly the units sold",
      passed: checkout((r) => r.checkout.integrity.orderServiceMismatchUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.orderServiceMismatchUnits)} units off`,
    },
    {
      check: "every scenario completed requests",
      passed: idle.length === 0,
      detail: idle.length === 0 ? "all did" : `none completed: ${[...new Set(idle)].join(", ")}`,
    },
  ];
}
