/**
 * `npm start`: the whole system on one machine. A real PostgreSQL (embedded, under DATA_DIR/postgres, loopback only)
 * serves every service whose *_DATABASE_URL is unset, one database each; ports and every other setting come from the
 * same environment variables as in production.
 *
 * It can never hurt data: DATA_DIR is locked (a second launcher or seed is refused, naming the holder), a failed start
 * stops everything it started and says why in one line, and SIGINT, SIGTERM and SIGHUP (terminal closed) stop every
 * process, database last, as does the death of the npm that ran it. A second Ctrl-C kills the services at once
 * (PostgreSQL still stops cleanly).
 */
// Modules of the platform, not its index (which loads everything a service needs): the launcher stays small.
import { readConfig, setting } from "@polyscale/platform/config";
import path from "node:path";
import { acquireDataDirLock, DataDirInUseError, databaseLocation, type DataDirLock } from "./data-dir-lock.js";
import { DEFAULT_EMBEDDED_POSTGRES_PORT, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { assertPortsFree, freePort, portsInUseMessage } from "./ports.js";
import { stopWhenNpmGone } from "./processes.js";
import {
  defaultMetricsPorts,
  defaultPorts,
  LAUNCHER_NODE_OPTIONS,
  repositoryRoot,
  settingsOrExit,
  startSystem,
  type RunningSystem,
} from "./system.js";

/**
 * A port the processes find each other (and the banner the user) by: 0, "any free port", cannot be passed on before it
 * is bound, so it is refused here in one line naming the variable. Metrics ports may be 0 (see metricsPorts).
 */
const fixedPort = (variable: string, fallback: number) => setting.integer(variable, fallback, { min: 1, max: 65535 });

const config = settingsOrExit("PolyScale cannot start", () =>
  readConfig({
    dataDir: setting.string("DATA_DIR", path.join(repositoryRoot, "data")),
    gateway: fixedPort("GATEWAY_PORT", defaultPorts.gateway),
    account: fixedPort("ACCOUNT_PORT", defaultPorts.account),
    product: fixedPort("PRODUCT_PORT", defaultPorts.product),
    order: fixedPort("ORDER_PORT", defaultPorts.order),
    databasePort: fixedPort("EMBEDDED_DATABASE_PORT", DEFAULT_EMBEDDED_POSTGRES_PORT),
    gatewayMetrics: setting.port("GATEWAY_METRICS_PORT", defaultMetricsPorts.gateway),
    accountMetrics: setting.port("ACCOUNT_METRICS_PORT", defaultMetricsPorts.account),
    productMetrics: setting.port("PRODUCT_METRICS_PORT", defaultMetricsPorts.product),
    orderMetrics: setting.port("ORDER_METRICS_PORT", defaultMetricsPorts.order),
  }),
);
const dataDir = path.resolve(config.dataDir);
const ports = { gateway: config.gateway, account: config.account, product: config.product, order: config.order };
// A metrics port given as 0 ("any free port") is chosen here rather than by the process, so the banner names the port
// it serves on (nothing else learns it: the processes' own log line of it is below the usual LOG_LEVEL=warn).
const metricsPorts = {
  gateway: config.gatewayMetrics || (await freePort()),
  account: config.accountMetrics || (await freePort()),
  product: config.productMetrics || (await freePort()),
  order: config.orderMetrics || (await freePort()),
};
const configuredUrls = {
  account: process.env.ACCOUNT_DATABASE_URL || undefined,
  product: process.env.PRODUCT_DATABASE_URL || undefined,
  order: process.env.ORDER_DATABASE_URL || undefined,
};

// A closed terminal (SIGHUP) fails every later write to it (EIO): the stop that follows must go on regardless.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

let lock: DataDirLock;
try {
  lock = acquireDataDirLock(dataDir, "npm start");
} catch (error) {
  // Only a live holder means running; anything else (a read-only or missing directory, no permission) is said as such.
  if (error instanceof DataDirInUseError) {
    console.error(`PolyScale cannot start: ${error.message}`);
    process.exit(2);
  }
  console.error(`PolyScale cannot use DATA_DIR ${dataDir}: ${(error as Error).message}`);
  process.exit(1);
}

let database: EmbeddedPostgres | undefined;
let system: RunningSystem | undefined;
const cancelStart = new AbortController();

/** Starts the database (unless every service has a URL of its own), then the services; throws saying why not. */
async function startAll(): Promise<void> {
  const embeddedFor = (["account", "product", "order"] as const).filter((name) => !configuredUrls[name]);
  await assertPortsFree({
    GATEWAY_PORT: config.gateway,
    ACCOUNT_PORT: config.account,
    PRODUCT_PORT: config.product,
    ORDER_PORT: config.order,
    GATEWAY_METRICS_PORT: metricsPorts.gateway,
    ACCOUNT_METRICS_PORT: metricsPorts.account,
    PRODUCT_METRICS_PORT: metricsPorts.product,
    ORDER_METRICS_PORT: metricsPorts.order,
    ...(embeddedFor.length > 0 ? { EMBEDDED_DATABASE_PORT: config.databasePort } : {}),
  });
  if (embeddedFor.length > 0) {
    database = await startEmbeddedPostgres({
      dataDir,
      port: config.databasePort,
      echo: true,
      signal: cancelStart.signal,
    }).catch((error: Error) => {
      // Taken between the check above and PostgreSQL's bind: the same one line.
      if (/address already in use/i.test(error.message)) {
        throw new Error(portsInUseMessage({ EMBEDDED_DATABASE_PORT: config.databasePort }));
      }
      throw error;
    });
    await database.ensureDatabases([...embeddedFor]);
    lock.update({ databasePort: config.databasePort });
  }
  const databaseUrls = {
    account: configuredUrls.account ?? database!.urlOf("account"),
    product: configuredUrls.product ?? database!.urlOf("product"),
    order: configuredUrls.order ?? database!.urlOf("order"),
  };
  system = await startSystem({
    ports,
    metricsPorts,
    dataDir,
    databaseUrls,
    nodeOptions: LAUNCHER_NODE_OPTIONS,
    echo: true,
    signal: cancelStart.signal,
  });
}
const starting = startAll();

let stopping: Promise<void> | undefined;

/** Stops what this launcher started, services first and the database last, then frees DATA_DIR. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    cancelStart.abort();
    await starting.catch(() => undefined);
    await system?.stop();
    await database?.stop();
    lock.release();
  })();
  return stopping;
}

function exitAfterStop(code: number): void {
  void stopAll().then(
    () => process.exit(code),
    (error: unknown) => {
      console.error(`PolyScale did not stop cleanly: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}

let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals === 1) {
    console.error(`\n${signal}: stopping PolyScale (press Ctrl-C again to force)`);
    exitAfterStop(0);
    return;
  }
  if (signal !== "SIGINT") return;
  // Forced: the services die at once; PostgreSQL gets its own fast shutdown, which keeps every committed row.
  console.error("stopping now");
  for (const running of Object.values(system?.processes ?? {})) running.child.kill("SIGKILL");
  void (database?.stop() ?? Promise.resolve()).finally(() => {
    lock.release();
    process.exit(130);
  });
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
// Run by npm (`npm start`) without a terminal (nohup, CI, a supervisor): if npm is killed, no signal ever reaches this
// launcher, so it stops as on a hang-up once npm is gone. Run directly, it may outlive its shell on purpose.
if (process.env.npm_lifecycle_event) stopWhenNpmGone(() => onSignal("SIGHUP"));
// A launcher that crashes must not leave its processes behind either.
process.on("uncaughtException", (error) => {
  console.error(`PolyScale launcher failed: ${error.message}`);
  exitAfterStop(1);
});

try {
  await starting;
} catch (error) {
  if (!cancelStart.signal.aborted) {
    console.error(`PolyScale did not start: ${(error as Error).message}`);
    exitAfterStop(1);
  }
}

if (system && !stopping) {
  // Where each service keeps its data, for `npm run seed` (known good now: every service started on its URL).
  const databaseOf = (name: "account" | "product" | "order") => {
    const url = configuredUrls[name];
    return url ? databaseLocation(url) : "embedded";
  };
  lock.update({
    gatewayUrl: system.gatewayUrl,
    databases: { account: databaseOf("account"), product: databaseOf("product"), order: databaseOf("order") },
  });
  console.log(`
PolyScale is running${database ? ` (embedded PostgreSQL on 127.0.0.1:${config.databasePort}, data in ${dataDir})` : ""}.
  GraphQL (GraphiQL in a browser)  ${system.gatewayUrl}/graphql
  REST                             ${system.gatewayUrl}/products  (OpenAPI: ${system.gatewayUrl}/openapi.json)
  gRPC account / product / order   ${system.addresses.account} / ${system.addresses.product} / ${system.addresses.order}
  Prometheus metrics               ${(["gateway", "account", "product", "order"] as const)
    .map((name) => `${name} http://127.0.0.1:${metricsPorts[name]}/metrics`)
    .join("\n                                   ")}
Press Ctrl-C to stop.
`);
  // If any process dies on its own, or PostgreSQL cannot be restarted, stop the rest rather than run half a system.
  for (const running of Object.values(system.processes)) {
    running.child.once("exit", (code, signal) => {
      if (stopping) return;
      console.error(`PolyScale stopped: ${running.name} exited (${signal ?? `code ${code}`}): ${running.reason()}`);
      exitAfterStop(1);
    });
  }
  void database?.gaveUp.then((reason) => {
    if (stopping) return;
    console.error(`PolyScale stopped: ${reason}`);
    exitAfterStop(1);
  });
}
