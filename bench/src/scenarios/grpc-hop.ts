import { performance } from "node:perf_hooks";
import type { BenchContext } from "../context.js";
import { pickAtRandom } from "../context.js";
import { summarizeLatencies, type LatencySummary } from "../stats.js";
import { GET_PRODUCT_SQL } from "./point-reads.js";

/**
 * The cost of one gRPC hop: a single client, one call at a time, reading a product with GetProduct and with the very
 * same SELECT on a pool inside this process. The two alternate in small blocks so both see the same machine state.
 */
export interface GrpcHopRound {
  grpc: LatencySummary;
  /** Absent on the embedded engine, whose database only the product service can open. */
  inProcess?: LatencySummary;
  /** p50 of the gRPC call minus p50 of the query: what the hop (encode, loopback, decode, service code) adds. */
  hopP50Ms: number;
}

const BLOCK = 50;

export async function measureGrpcHop(context: BenchContext): Promise<GrpcHopRound> {
  const grpc: number[] = [];
  const inProcess: number[] = [];
  const database = context.productDatabase;
  const stopAt = performance.now() + context.settings.maxLoopSeconds * 1000;
  const timed = async (samples: number[], call: () => Promise<unknown>) => {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  };
  while (grpc.length < context.settings.hopCalls && performance.now() < stopAt) {
    for (let index = 0; index < BLOCK; index++) {
      await timed(grpc, () => context.product.getProduct({ id: pickAtRandom(context.pointReadIds) }));
    }
    if (!database) continue;
    for (let index = 0; index < BLOCK; index++) {
      await timed(inProcess, () => database.query(GET_PRODUCT_SQL, [pickAtRandom(context.pointReadIds)]));
    }
  }
  const grpcSummary = summarizeLatencies(grpc);
  const inProcessSummary = database ? summarizeLatencies(inProcess) : undefined;
  return {
    grpc: grpcSummary,
    inProcess: inProcessSummary,
    hopP50Ms: inProcessSummary ? grpcSummary.p50 - inProcessSummary.p50 : Number.NaN,
  };
}
