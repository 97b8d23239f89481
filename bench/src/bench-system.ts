import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Database } from "@polyscale/platform";
import { freePort, freePorts } from "@polyscale/tools/ports";
import { createScratchDatabase, dropScratchDatabase } from "@polyscale/tools/scratch-databases";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@polyscale/tools/embedded-postgres";
import { repositoryRoot, startSystem, type RunningSystem, type ServiceName } from "@polyscale/tools/system";

const run = promisify(execFile);

export type ServiceWithDatabase = Exclude<ServiceName, "gateway">;

/**
 * Where the services keep their data for this run: a PostgreSQL server, one scratch database per service. The server
 * is an existing one, or an embedded one started for the run (stopped and deleted with the databases).
 */
export interface Storage {
  engine: "postgres" | "embedded";
  adminUrl: string;
  serverVersion: string;
  databaseUrls: Record<ServiceWithDatabase, string>;
  embedded?: EmbeddedPostgres;
}

const LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** SHOW server_version of the server at url, or undefined when nothing answers there. */
async function postgresVersion(url: string): Promise<string | undefined> {
  let database: Database | undefined;
  try {
    database = await Database.open({ url, poolSize: 1 });
    const result = await database.query<{ server_version: string }>("SHOW server_version");
    return result.rows[0]?.server_version;
  } catch {
    return undefined;
  } finally {
    await database?.close().catch(() => undefined);
  }
}

/** The embedded PostgreSQL `npm start` runs, started for this run in a scratch folder on a free port. */
async function startEmbedded(): Promise<{ adminUrl: string; embedded: EmbeddedPostgres }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-bench-postgres-"));
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), temporary: true });
  return { adminUrl: embedded.adminUrl, embedded };
}

/**
 * Real PostgreSQL when BENCH_DATABASE_URL is set (it must answer) or a local server answers, with one fresh scratch
 * database per service; the embedded server otherwise, or when asked for.
 */
export async function chooseStorage(options: { embedded: boolean }): Promise<Storage> {
  const configured = process.env.BENCH_DATABASE_URL;
  let server: { adminUrl: string; embedded?: EmbeddedPostgres } = { adminUrl: configured ?? LOCAL_POSTGRES_URL };
  let serverVersion = options.embedded ? undefined : await postgresVersion(server.adminUrl);
  if (!serverVersion) {
    if (configured && !options.embedded)
      throw new Error("BENCH_DATABASE_URL is set but no PostgreSQL server answers there");
    server = await startEmbedded();
    serverVersion = (await postgresVersion(server.adminUrl))!;
  }
  const storage: Storage = {
    engine: server.embedded ? "embedded" : "postgres",
    adminUrl: server.adminUrl,
    serverVersion,
    databaseUrls: {} as Record<ServiceWithDatabase, string>,
    embedded: server.embedded,
  };
  try {
    for (const name of ["account", "product", "order"] as const) {
      storage.databaseUrls[name] = await createScratchDatabase(storage.adminUrl);
    }
  } catch (error) {
    await dropDatabases(storage);
    throw error;
  }
  return storage;
}

export async function dropDatabases(storage: Storage): Promise<void> {
  for (const url of Object.values(storage.databaseUrls)) await dropScratchDatabase(storage.adminUrl, url);
  await storage.embedded?.stop();
}

/** Everything a run needs to reach: the processes, their storage, and a scratch folder for embedded data. */
export interface BenchSystem {
  /** The running processes; replaced by restart(). */
  system: RunningSystem;
  storage: Storage;
  /** Process id of each service and the gateway, for /proc readings; replaced by restart(). */
  pids: Record<ServiceName, number>;
  /**
   * Stops all four processes and starts them again on the same ports and databases with `extraEnv` on top of the
   * run's environment (e.g. NATS_URL, OTEL_*), so one run can compare configurations.
   */
  restart(extraEnv: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

function pidsOf(system: RunningSystem): Record<ServiceName, number> {
  return Object.fromEntries(
    Object.entries(system.processes).map(([name, running]) => [name, running.child.pid!]),
  ) as Record<ServiceName, number>;
}

/** The environment every process of the run gets (the seed script too, so it writes where the service reads). */
function processEnvironment(storage: Storage, dataDir: string): Record<string, string | undefined> {
  return {
    DATA_DIR: dataDir,
    PRODUCT_DATABASE_URL: storage.databaseUrls.product,
    // Request logging would otherwise be part of what is measured; override with LOG_LEVEL.
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    // Each checkout buyer places many unpaid orders; the shop's hold limits would refuse them as if sold out.
    ORDER_MAX_UNPAID_PER_ACCOUNT: "10000",
    ORDER_MAX_HELD_UNITS_PER_PRODUCT: "1000000",
  };
}

/** Fills the product database with the product service's own seed script, before the service starts. */
async function seedProducts(count: number, env: Record<string, string | undefined>): Promise<void> {
  const script = path.join(repositoryRoot, "services/product/dist/seed.js");
  if (!existsSync(script)) throw new Error(`${script} is missing: build the product service first (npm run build)`);
  await run(process.execPath, [script, "--products", String(count)], {
    env: { ...process.env, ...env },
    timeout: 30 * 60 * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Seeds `products` products, then starts the whole system on free loopback ports (other runs and tests may hold the
 * default ones). stop() stops the processes, drops the scratch databases and removes the scratch folder.
 */
export async function startBenchSystem(options: { storage: Storage; products: number }): Promise<BenchSystem> {
  const { storage } = options;
  const dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-bench-"));
  const cleanUp = async () => {
    await dropDatabases(storage);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const env = processEnvironment(storage, dataDir);
    await seedProducts(options.products, env);
    const ports = await freePorts(["gateway", "account", "product", "order"]);
    const start = (extraEnv: Record<string, string>) =>
      startSystem({ ports, dataDir, databaseUrls: storage.databaseUrls, env: { ...env, ...extraEnv } });
    const bench: BenchSystem = {
      system: await start({}),
      storage,
      pids: {} as Record<ServiceName, number>,
      async restart(extraEnv) {
        await bench.system.stop();
        bench.system = await start(extraEnv);
        bench.pids = pidsOf(bench.system);
      },
      async stop() {
        await bench.system.stop();
        await cleanUp();
      },
    };
    bench.pids = pidsOf(bench.system);
    return bench;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
