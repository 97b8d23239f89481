import type { ServiceName } from "@polyscale/tools/system";
import type { CostedScenario, RoundsResult } from "./rounds.js";
import { median, ratio, sumOf } from "./stats.js";

/**
 * The figures reported: the median over rounds of each measured value (the JSON keeps every round); the targets of
 * bench/README.md are judged against them in targets.ts, and integrity.ts checks what must hold in every run.
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

/** The figures of a run: medians over its rounds, sums of its integrity counts, the worst round where a limit is on it. */
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
