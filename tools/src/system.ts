import { startProcess, type RunningProcess } from "@polyscale/platform/child-process";
import { checkHealth } from "@polyscale/platform/grpc-client";
import { exitOnFailure } from "@polyscale/platform/config";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

/**
 * Starts the whole system as real processes talking gRPC over loopback, all at once. Used by `npm start`, by the
 * end-to-end tests and by the benchmark.
 */

export type ServiceName = "account" | "product" | "order" | "gateway";

export const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

const scripts: Record<ServiceName, string> = {
  account: "services/account/dist/main.js",
  product: "services/product/dist/main.js",
  order: "services/order/dist/main.js",
  gateway: "gateway/dist/main.js",
};

export const defaultPorts: Record<ServiceName, number> = {
  gateway: 4000,
  account: 50051,
  product: 50052,
  order: 50053,
};

/** Where each process serves Prometheus metrics by default (`<NAME>_METRICS_PORT`). */
export const defaultMetricsPorts: Record<ServiceName, number> = {
  gateway: 9464,
  account: 9465,
  product: 9466,
  order: 9467,
};

/**
 * Node.js flags of every process `npm start` runs (the launcher itself runs so too, see package.json): a 1 MB young
 * generation instead of V8's default of up to 16 MB per semi-space. Measured on the four processes idle after start:
 * 12–16 MB less resident memory each (about 50 MB of the whole system's 600 MB budget), for about 10 % more CPU while
 * loading modules. Only the development launcher: the benchmark's and the images' processes keep V8's defaults, which
 * serve sustained traffic with fewer collections.
 */
/**
 * A command's settings read by `read` (the platform's `readConfig`), or, when one is invalid, one line on stderr,
 * `<prefix>: invalid configuration: GATEWAY_PORT … [CONFIG_INVALID]` (the platform's `exitOnFailure`), and exit
 * code 1: never a stack, as the services' `exitOnStartFailure` (issue 11: a failed start says why in one readable line).
 */
export function settingsOrExit<T>(prefix: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    return exitOnFailure(prefix)(error);
  }
}

export const LAUNCHER_NODE_OPTIONS = ["--max-semi-space-size=1"];

export interface SystemOptions {
  ports: Record<ServiceName, number>;
  /** Metrics ports; without them each process takes a free one (tests run side by side). */
  metricsPorts?: Record<ServiceName, number>;
  /** DATA_DIR of every process (files a service keeps beside its database). */
  dataDir: string;
  /** The database of each service started (`npm start` gives the embedded server's; tests give scratch ones). */
  databaseUrls: Partial<Record<Exclude<ServiceName, "gateway">, string>>;
  /** Node.js flags of every process (the launcher gives LAUNCHER_NODE_OPTIONS); V8's defaults without. */
  nodeOptions?: string[];
  /** Extra environment for every process (e.g. LOG_LEVEL, ADMIN_PASSWORD). */
  env?: Record<string, string | undefined>;
  /** Copy the processes' output to this one (the launcher); otherwise it is only kept for error messages. */
  echo?: boolean;
  /** Start only these (default: all four). */
  only?: ServiceName[];
  /** Aborting it during start-up stops what was started and makes startSystem throw. */
  signal?: AbortSignal;
}

export interface RunningSystem {
  readonly gatewayUrl: string;
  readonly addresses: Record<Exclude<ServiceName, "gateway">, string>;
  readonly processes: Partial<Record<ServiceName, RunningProcess>>;
  /**
   * Starts one service again (after stopService), waiting until it is healthy and, when the gateway and the three
   * services run, until the gateway's /readyz says calls through it reach them all again.
   */
  startService(name: ServiceName): Promise<void>;
  stopService(name: ServiceName): Promise<void>;
  /** Stops everything, gateway first. */
  stop(): Promise<void>;
}

/**
 * Whether something accepts TCP connections on host:port. Checked before each health check while a process starts:
 * a refused connection costs a fraction of a millisecond, where each gRPC health check makes a channel of its own
 * (resolver, subchannel, HTTP/2 session), and the launcher asks every 100 ms and whenever a process prints.
 */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * The gateway's probe that says it is ready, given what runs beside it: /readyz (its own channels reach the three
 * services) when they all run in this system; /healthz (alive) when some were left out on purpose (`only`) or run
 * elsewhere, since /readyz would then never answer 200.
 */
function gatewayProbe(withServices: readonly ServiceName[]): "/readyz" | "/healthz" {
  const services = ["account", "product", "order"] as const;
  return services.every((service) => withServices.includes(service)) ? "/readyz" : "/healthz";
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const host = "127.0.0.1";
  const addresses = {
    account: `${host}:${options.ports.account}`,
    product: `${host}:${options.ports.product}`,
    order: `${host}:${options.ports.order}`,
  };
  const gatewayUrl = `http://${host}:${options.ports.gateway}`;
  const sharedEnv = {
    DATA_DIR: options.dataDir,
    ACCOUNT_PORT: String(options.ports.account),
    PRODUCT_PORT: String(options.ports.product),
    ORDER_PORT: String(options.ports.order),
    GATEWAY_PORT: String(options.ports.gateway),
    GATEWAY_METRICS_PORT: String(options.metricsPorts?.gateway ?? 0),
    ACCOUNT_METRICS_PORT: String(options.metricsPorts?.account ?? 0),
    PRODUCT_METRICS_PORT: String(options.metricsPorts?.product ?? 0),
    ORDER_METRICS_PORT: String(options.metricsPorts?.order ?? 0),
    ACCOUNT_SERVICE_ADDRESS: addresses.account,
    PRODUCT_SERVICE_ADDRESS: addresses.product,
    ORDER_SERVICE_ADDRESS: addresses.order,
    ACCOUNT_DATABASE_URL: options.databaseUrls.account,
    PRODUCT_DATABASE_URL: options.databaseUrls.product,
    ORDER_DATABASE_URL: options.databaseUrls.order,
    ...options.env,
  };
  const processes: Partial<Record<ServiceName, RunningProcess>> = {};

  /** withServices: what runs beside the gateway (in this system), which decides how it is known to be ready. */
  const start = async (name: ServiceName, signal: AbortSignal | undefined, withServices: readonly ServiceName[]) => {
    processes[name] = await startProcess({
      name,
      script: path.join(repositoryRoot, scripts[name]),
      nodeOptions: options.nodeOptions,
      env: sharedEnv,
      echo: options.echo,
      signal,
      isReady: async () =>
        (await accepts(host, options.ports[name])) &&
        (name === "gateway" ? httpOk(`${gatewayUrl}${gatewayProbe(withServices)}`) : checkHealth(addresses[name])),
      timeoutMs: 60_000,
    });
  };
  const running = () => Object.keys(processes) as ServiceName[];
  const restart = async (name: ServiceName) => {
    await start(name, options.signal, running());
    if (name === "gateway" || !processes.gateway || gatewayProbe(running()) !== "/readyz") return;
    const deadline = Date.now() + 60_000;
    while (!(await httpOk(`${gatewayUrl}/readyz`))) {
      if (Date.now() > deadline) throw new Error(`the gateway did not reach the ${name} service again within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stopService = async (name: ServiceName) => {
    await processes[name]?.stop();
    delete processes[name];
  };
  const stop = async () => {
    for (const name of ["gateway", "order", "product", "account"] as const) await stopService(name);
  };

  // All at once: no process needs another to start. Services call each other per request, through clients that
  // connect on first use, and the gateway's revocation stream waits for the account service (quietly, for a few
  // seconds). On two cores the gateway, loading beside the services rather than after the account service, saves
  // about a second of `npm start`. The gateway counts as started only once its /readyz says its own channels reach
  // the services (gatewayProbe), so the first call after start-up never meets a channel still backing off.
  const wanted = options.only ?? (["account", "product", "order", "gateway"] as const);
  // The first failure cancels every start still under way (each stops its process), then all are stopped.
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  let firstError: unknown;
  await Promise.allSettled(
    wanted.map((name) =>
      start(name, signal, wanted).catch((error: unknown) => {
        firstError ??= error;
        failed.abort();
      }),
    ),
  );
  if (firstError !== undefined) {
    await stop();
    throw firstError instanceof Error ? firstError : new Error("a service did not start", { cause: firstError });
  }
  return { gatewayUrl, addresses, processes, startService: restart, stopService, stop };
}
