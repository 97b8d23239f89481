import { status as grpcStatus } from "@grpc/grpc-js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import type { Logger } from "pino";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { describeError } from "./error-description.js";

/**
 * Prometheus metrics of one process (prom-client), served in the text exposition format on a port of its own, apart
 * from the public API. Every label takes its values from a closed set (gRPC codes, route templates, schema fields, SQL
 * verbs): never an id or anything a client typed, so the number of series stays bounded.
 */
export const metricsRegistry = new Registry();

/** Latency buckets in seconds, from a cached point read (1 ms) to a deadline-length call (10 s). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter in the process's registry. Label values must come from a closed set (see the module comment). */
export function counter<Label extends string = never>(config: {
  name: string;
  help: string;
  labelNames?: readonly Label[];
}): Counter<Label> {
  return new Counter({ ...config, registers: [metricsRegistry] });
}

/** A histogram in the process's registry, in seconds with LATENCY_BUCKETS unless told otherwise. */
export function histogram<Label extends string = never>(config: {
  name: string;
  help: string;
  labelNames?: readonly Label[];
  buckets?: number[];
}): Histogram<Label> {
  return new Histogram({ buckets: LATENCY_BUCKETS, ...config, registers: [metricsRegistry] });
}

/**
 * A gauge in the process's registry whose value is read when Prometheus scrapes (collect sets it, and may be async).
 * Label values must come from a closed set (see the module comment).
 */
export function gauge<Label extends string = never>(config: {
  name: string;
  help: string;
  labelNames?: readonly Label[];
  collect: (this: Gauge<Label>) => void | Promise<void>;
}): Gauge<Label> {
  return new Gauge({ ...config, registers: [metricsRegistry] });
}

const grpcServerHandled = new Counter({
  name: "grpc_server_handled_total",
  help: "gRPC calls answered, by service, method and status code",
  labelNames: ["grpc_service", "grpc_method", "grpc_code"] as const,
  registers: [metricsRegistry],
});

const grpcServerHandling = new Histogram({
  name: "grpc_server_handling_seconds",
  help: "Time from receiving a gRPC call to answering it, by service, method and status code",
  labelNames: ["grpc_service", "grpc_method", "grpc_code"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const grpcCodeNames = new Map<number, string>(
  Object.entries(grpcStatus)
    .filter(([, value]) => typeof value === "number")
    .map(([name, value]) => [value as number, name]),
);

/**
 * Records one answered gRPC call. `path` is the method's path, /package.Service/Method (from the generated
 * definition, never from the caller); `code` the numeric gRPC status sent back.
 */
export function recordGrpcCall(path: string, code: number, seconds: number): void {
  const slash = path.lastIndexOf("/");
  const labels = {
    grpc_service: path.slice(1, slash),
    grpc_method: path.slice(slash + 1),
    grpc_code: grpcCodeNames.get(code) ?? "UNKNOWN",
  };
  grpcServerHandled.inc(labels);
  grpcServerHandling.observe(labels, seconds);
}

const pools = new Set<pg.Pool>();

/** Connections of every database pool of the process, by state (OTel's db.client.connection.count, in Prometheus). */
new Gauge({
  name: "db_client_connections",
  help: "Database connections in the pool, by state: used (checked out) or idle",
  labelNames: ["state"] as const,
  registers: [metricsRegistry],
  collect() {
    let total = 0;
    let idle = 0;
    for (const pool of pools) {
      total += pool.totalCount;
      idle += pool.idleCount;
    }
    this.set({ state: "used" }, total - idle);
    this.set({ state: "idle" }, idle);
  },
});

new Gauge({
  name: "db_client_connections_pending_requests",
  help: "Queries waiting for a free pooled connection",
  registers: [metricsRegistry],
  collect() {
    let waiting = 0;
    for (const pool of pools) waiting += pool.waitingCount;
    this.set(waiting);
  },
});

new Gauge({
  name: "db_client_connections_max",
  help: "Connections the pools may open at most",
  registers: [metricsRegistry],
  collect() {
    let max = 0;
    for (const pool of pools) max += pool.options.max ?? 10;
    this.set(max);
  },
});

const dbOperationDuration = new Histogram({
  name: "db_client_operation_duration_seconds",
  help: "Time of one SQL statement (or, for TRANSACTION, a whole transaction), including the wait for a connection",
  labelNames: ["db_operation"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const SQL_VERBS = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE", "ALTER", "DROP"]);

/** The statement's leading keyword when it is a common one, OTHER otherwise: the SQL text itself is never a label. */
export function sqlOperationOf(text: string): string {
  const verb = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase();
  return verb !== undefined && SQL_VERBS.has(verb) ? verb : "OTHER";
}

/** Database hooks: pools report their connections while open; statements and transactions report their time. */
export const databaseMetrics = {
  observePool(pool: pg.Pool): void {
    pools.add(pool);
  },
  forgetPool(pool: pg.Pool): void {
    pools.delete(pool);
  },
  /** Starts timing one statement (operation from sqlOperationOf, or TRANSACTION); call the result when it ends. */
  startTimer(operation: string): () => void {
    const end = dbOperationDuration.startTimer({ db_operation: operation });
    return () => void end();
  },
};

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

export interface RunningMetricsServer {
  /** The port bound, or undefined when the port could not be bound (logged; the process serves on without metrics). */
  readonly port: number | undefined;
  close(): Promise<void>;
}

let defaultMetricsCollected = false;

/**
 * Serves GET /metrics in the Prometheus text format, with Node.js process metrics (event loop lag, heap, GC, CPU,
 * file descriptors) besides the application's. A port that cannot be bound is logged and leaves the process running:
 * a clash on the metrics port must not take the service down.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  if (!defaultMetricsCollected) {
    collectDefaultMetrics({ register: metricsRegistry, gcDurationBuckets: [0.001, 0.01, 0.1, 1] });
    defaultMetricsCollected = true;
  }
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("metrics are at /metrics\n");
      return;
    }
    metricsRegistry.metrics().then(
      (text) => response.writeHead(200, { "content-type": metricsRegistry.contentType }).end(text),
      (error: unknown) => {
        options.logger.error({ err: describeError(error) }, "metrics could not be collected");
        response.writeHead(500, { "content-type": "text/plain" }).end("metrics could not be collected\n");
      },
    );
  });
  const port = await new Promise<number | undefined>((resolve) => {
    server.once("error", (error) => {
      options.logger.error(
        { err: describeError(error), port: options.port },
        "metrics server cannot listen; serving on without metrics",
      );
      resolve(undefined);
    });
    server.listen(options.port, options.host, () => resolve((server.address() as AddressInfo).port));
  });
  if (port !== undefined) options.logger.info({ host: options.host, port }, "metrics at /metrics");
  return {
    port,
    close: () =>
      port === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
  };
}
