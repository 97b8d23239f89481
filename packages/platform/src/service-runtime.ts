import type { Logger } from "pino";
import { Database, type DatabaseOptions } from "./database.js";
import { exitOnFailure } from "./config.js";
import { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer } from "./grpc-server.js";
import { stopOnSignals, type Closer } from "./lifecycle.js";
import { startMetricsServer } from "./metrics.js";
import { migrate } from "./migrations.js";

/** Opens a service's database and brings its schema up to date. */
export async function openServiceDatabase(
  options: DatabaseOptions & { migrationsDir: string; logger: Logger },
): Promise<Database> {
  const database = await Database.open(options);
  const applied = await migrate(database, options.migrationsDir);
  options.logger.info({ database: new URL(options.url).pathname.slice(1), applied }, "database ready");
  return database;
}

/**
 * The common tail of every service's main.ts: serve gRPC and Prometheus metrics (on metricsPort), log where, and on
 * SIGTERM/SIGINT drain the server before running the service's own closers (workers, then the database).
 */
export async function serveUntilStopped(
  options: GrpcServerOptions & { metricsPort: number; shutdownTimeoutMs: number; closers: Closer[] },
): Promise<RunningGrpcServer> {
  // gRPC first: a port in use fails the start before the metrics server has opened (and logged) anything.
  const server = await startGrpcServer(options);
  const metrics = await startMetricsServer({ host: options.host, port: options.metricsPort, logger: options.logger });
  stopOnSignals(
    options.logger,
    [() => server.shutdown(options.shutdownTimeoutMs), ...options.closers, () => metrics.close()],
    options.shutdownTimeoutMs,
  );
  options.logger.info({ host: options.host, port: server.port }, "gRPC server listening");
  return server;
}

/** The `catch` of every service's `main()`: exitOnFailure's one line, `<service> service cannot start: …`. */
export function exitOnStartFailure(service: string): (error: unknown) => never {
  return exitOnFailure(`${service} service cannot start`);
}
