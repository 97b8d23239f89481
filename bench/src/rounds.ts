import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceName } from "@polyscale/tools/system";
import type { BenchContext } from "./context.js";
import { cpuMilliseconds, PeakMemorySampler, residentBytes, snapshot } from "./process-stats.js";
import { runContendedCheckout, type CheckoutRound } from "./scenarios/checkout.js";
import { measureGrpcHop, type GrpcHopRound } from "./scenarios/grpc-hop.js";
import { runListing, type ListingRound } from "./scenarios/listing.js";
import {
  pointReadsViaGateway,
  pointReadsViaGrpc,
  pointReadsViaPgbench,
  type PointReadPath,
  type PointReadsRound,
} from "./scenarios/point-reads.js";
import type { EngineRelevance } from "./scenarios/relevance.js";
import { prepareQueryMix, runSearch, type SearchQueryMix, type SearchRound } from "./scenarios/search.js";

/** Scenarios whose CPU time per request is reported for every process. */
export type CostedScenario = "pointReadsGateway" | "pointReadsGrpc" | "search" | "checkout" | "listing";

export interface RoundResult {
  round: number;
  pointReads: PointReadsRound;
  grpcHop: GrpcHopRound;
  search: SearchRound;
  checkout: CheckoutRound;
  listing: ListingRound;
  /** CPU milliseconds (user + system) per request of each process and of the bench itself, by scenario. */
  cpuMsPerRequest: Partial<Record<CostedScenario, Record<ServiceName | "bench", number>>>;
  /** Resident memory of each process once the round is over and the system has settled. */
  residentBytesAfter: Record<ServiceName, number>;
}

export interface RoundsResult {
  idleResidentBytes: Record<ServiceName, number>;
  peakResidentBytes: Record<string, number>;
  searchMix: SearchQueryMix;
  rounds: RoundResult[];
  /** The relevance suite's score of the search engine, once per run (absent when it could not be measured). */
  relevance?: EngineRelevance;
}

const SETTLE_MS = 1000;

/** Runs fn and charges each process's CPU time over it to the requests fn reports. */
async function costed<T>(
  pids: Record<ServiceName, number>,
  costs: RoundResult["cpuMsPerRequest"],
  scenario: CostedScenario,
  requestsOf: (result: T) => number,
  fn: () => Promise<T>,
): Promise<T> {
  const before = snapshot(pids, cpuMilliseconds);
  const ownBefore = process.cpuUsage();
  const result = await fn();
  const own = process.cpuUsage(ownBefore);
  const after = snapshot(pids, cpuMilliseconds);
  const requests = requestsOf(result);
  const perRequest = (milliseconds: number) => (requests > 0 ? milliseconds / requests : Number.NaN);
  costs[scenario] = {
    ...(Object.fromEntries(Object.keys(pids).map((name) => [name, perRequest(after[name]! - before[name]!)])) as Record<
      ServiceName,
      number
    >),
    bench: perRequest((own.user + own.system) / 1000),
  };
  return result;
}

const POINT_READ_PATHS: PointReadPath[] = ["gateway", "grpc", "pgbench"];

/** The three point-read paths, starting one further along every round so none always runs first or last. */
async function runPointReads(
  context: BenchContext,
  round: number,
  pids: Record<ServiceName, number>,
  costs: RoundResult["cpuMsPerRequest"],
): Promise<PointReadsRound> {
  const order = POINT_READ_PATHS.map((_, index) => POINT_READ_PATHS[(index + round) % POINT_READ_PATHS.length]!);
  const seconds = context.settings.pointReadSeconds;
  const result: Partial<PointReadsRound> = { order };
  for (const path of order) {
    if (path === "gateway") {
      result.gateway = await costed(
        pids,
        costs,
        "pointReadsGateway",
        (r) => r.requests,
        () => pointReadsViaGateway(context, seconds),
      );
    } else if (path === "grpc") {
      result.grpc = await costed(
        pids,
        costs,
        "pointReadsGrpc",
        (r) => r.requests,
        () => pointReadsViaGrpc(context, seconds),
      );
    } else {
      result.pgbench = await pointReadsViaPgbench(context, seconds);
    }
  }
  return result as PointReadsRound;
}

/** Short unrecorded runs of every path, so JIT compilation and cold caches are not measured. */
async function warmUp(context: BenchContext, mix: SearchQueryMix): Promise<void> {
  const seconds = context.settings.warmupSeconds;
  await pointReadsViaGateway(context, seconds);
  await pointReadsViaGrpc(context, seconds);
  await runSearch(context, mix, seconds);
}

/** Resident memory of each process once it has started and settled, before the bench sends anything. */
export async function idleResidentBytes(pids: Record<ServiceName, number>): Promise<Record<ServiceName, number>> {
  await sleep(SETTLE_MS);
  return snapshot(pids, residentBytes);
}

export async function runRounds(
  context: BenchContext,
  pids: Record<ServiceName, number>,
  idle: Record<ServiceName, number>,
  log: (line: string) => void,
): Promise<RoundsResult> {
  const searchMix = await prepareQueryMix(context);
  log(`warming up (${context.settings.warmupSeconds} s per path)`);
  await warmUp(context, searchMix);

  const sampler = new PeakMemorySampler(pids);
  sampler.start(250);
  const rounds: RoundResult[] = [];
  try {
    for (let round = 1; round <= context.settings.rounds; round++) {
      const costs: RoundResult["cpuMsPerRequest"] = {};
      log(`round ${round}/${context.settings.rounds}: point reads`);
      const pointReads = await runPointReads(context, round - 1, pids, costs);
      log(`round ${round}/${context.settings.rounds}: gRPC hop`);
      const grpcHop = await measureGrpcHop(context);
      log(`round ${round}/${context.settings.rounds}: search`);
      const search = await costed(
        pids,
        costs,
        "search",
        (r) => r.overall.requests,
        () => runSearch(context, searchMix, context.settings.searchSeconds),
      );
      log(`round ${round}/${context.settings.rounds}: contended checkout`);
      const checkout = await costed(
        pids,
        costs,
        "checkout",
        (r) => r.orders + r.refusals + r.unexpectedErrors,
        () => runContendedCheckout(context, round),
      );
      log(`round ${round}/${context.settings.rounds}: nested listing`);
      const listing = await costed(
        pids,
        costs,
        "listing",
        (r) => r.queries,
        () => runListing(context),
      );
      await sleep(SETTLE_MS);
      rounds.push({
        round,
        pointReads,
        grpcHop,
        search,
        checkout,
        listing,
        cpuMsPerRequest: costs,
        residentBytesAfter: snapshot(pids, residentBytes),
      });
    }
  } finally {
    sampler.stop();
  }
  return { idleResidentBytes: idle, peakResidentBytes: sampler.peakBytes, searchMix, rounds };
}
