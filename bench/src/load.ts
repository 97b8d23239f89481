import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { summarizeLatencies, type LatencySummary } from "./stats.js";

/** What one load run measured: completed requests, failures and the latency of the successful ones. */
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  /** The first failure's message, to explain a non-zero error count. */
  firstError?: string;
}

export interface ClosedLoopOptions {
  concurrency: number;
  /** Stop starting new calls after this long. */
  durationMs: number;
  /** Stop after this many calls in all, whichever comes first. */
  maxRequests: number;
  /** One call; `index` counts calls across all clients from 0. */
  call: (index: number, client: number) => Promise<unknown>;
}

/**
 * `concurrency` clients each making one call after another until the time or the count is used up: the gRPC
 * counterpart of autocannon's connections. Bounded in both, so a stuck service cannot hold the benchmark forever
 * (each call carries its client's gRPC deadline).
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const stopAt = begin + options.durationMs;
  const client = async (clientIndex: number) => {
    while (started < options.maxRequests && performance.now() < stopAt) {
      const index = started++;
      const callStart = performance.now();
      try {
        await options.call(index, clientIndex);
        latencies.push(performance.now() - callStart);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => client(index)));
  const seconds = (performance.now() - begin) / 1000;
  return {
    requests: latencies.length,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    latency: summarizeLatencies(latencies),
    firstError,
  };
}

export interface HttpLoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  maxRequests: number;
  headers: Record<string, string>;
  /** The POST body of each request (called per request, e.g. to pick a random id). */
  body: () => string;
  /** False for a response that arrived with 200 but is wrong (e.g. a GraphQL `errors` array). */
  isValid: (responseBody: string) => boolean;
}

/** HTTP load with autocannon: `connections` keep-alive connections posting to one URL. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const result = await autocannon({
    url: url.origin,
    connections: options.connections,
    duration: options.durationSeconds,
    maxOverallRequests: Math.max(options.maxRequests, options.connections),
    timeout: 10,
    requests: [
      {
        method: "POST",
        path: url.pathname,
        headers: { "content-type": "application/json", ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.body() }),
      },
    ],
    verifyBody: options.isValid,
  });
  const errors = result.errors + result.non2xx + result.mismatches;
  const requests = result.requests.total - result.non2xx - result.mismatches;
  return {
    requests,
    errors,
    seconds: result.duration,
    requestsPerSecond: requests / result.duration,
    // autocannon records whole milliseconds; p99.9 is its own histogram's value.
    latency: {
      count: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      p999: result.latency.p99_9,
      max: result.latency.max,
    },
    firstError:
      errors > 0
        ? `${result.errors} connection errors, ${result.non2xx} non-2xx, ${result.mismatches} invalid bodies`
        : undefined,
  };
}
