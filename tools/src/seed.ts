/**
 * `npm run seed [-- --products N --seed S --reset]`: runs the product service's seed (services/product/dist/seed.js,
 * progress bar and all) on the database the product service uses, safely whatever else runs:
 * - while `npm start` runs on DATA_DIR, on the database its product service uses (the lock says which): through its
 *   embedded PostgreSQL (a server handles both writers at once), or, when it was started on a PRODUCT_DATABASE_URL, on
 *   that same URL, which the seed must be given too (the lock keeps no credentials). A seed given another
 *   PRODUCT_DATABASE_URL, or none for a system on one, is refused in one line naming both; so is `--reset`, which would
 *   pull the catalogue from under the running services;
 * - else PRODUCT_DATABASE_URL when set;
 * - else an embedded PostgreSQL started for the seed alone, holding DATA_DIR's lock so that `npm start` is refused
 *   meanwhile, and stopped afterwards.
 */
import { exitOnFailure, readConfig, setting } from "@polyscale/platform";
import { spawn } from "node:child_process";
import path from "node:path";
import {
  acquireDataDirLock,
  databaseLocation,
  describeHolder,
  howToStop,
  lockHolder,
  type LockHolder,
} from "./data-dir-lock.js";
import { DEFAULT_EMBEDDED_POSTGRES_PORT, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { embeddedPostgresPassword, embeddedPostgresUrl } from "./embedded-postgres-cluster.js";
import { repositoryRoot, settingsOrExit } from "./system.js";

const seedScript = path.join(repositoryRoot, "services/product/dist/seed.js");
const args = process.argv.slice(2);
const config = settingsOrExit("npm run seed cannot run", () =>
  readConfig({
    dataDir: setting.string("DATA_DIR", path.join(repositoryRoot, "data")),
    databasePort: setting.port("EMBEDDED_DATABASE_PORT", DEFAULT_EMBEDDED_POSTGRES_PORT),
  }),
);
const dataDir = path.resolve(config.dataDir);

/** Runs the seed script with this database URL; resolves with its exit code. */
function runSeed(databaseUrl: string | undefined): Promise<number> {
  const child = spawn(process.execPath, [seedScript, ...args], {
    stdio: "inherit",
    env: { ...process.env, ...(databaseUrl ? { PRODUCT_DATABASE_URL: databaseUrl } : {}) },
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}

/** A refusal: main()'s exitOnFailure prints it as the seed's one line, `npm run seed cannot run: <message>`, and exits 1. */
function fail(message: string): never {
  throw new Error(message);
}

/**
 * Seeds the database that the system holding DATA_DIR keeps its products in, or exits saying why it cannot.
 *
 * @param given the seed's own PRODUCT_DATABASE_URL, if any
 */
function seedRunningSystem(running: LockHolder, given: string | undefined): Promise<number> {
  const product = running.databases?.product;
  const holder = `${describeHolder(running)} on DATA_DIR ${dataDir}`;
  if (running.command !== "npm start") {
    fail(`${holder} is using the database: wait for it to finish, or stop it (${howToStop(running)})`);
  }
  if (product === undefined) {
    fail(`${holder} is still starting: run the seed again once it says "PolyScale is running"`);
  }
  if (args.includes("--reset")) {
    fail(
      `${holder} is running, and --reset would empty the catalogue under it: stop it first (${howToStop(running)}), ` +
        "then seed with --reset",
    );
  }
  const embedded = product === "embedded";
  if (given !== undefined) {
    let location: string;
    try {
      location = databaseLocation(given);
    } catch {
      fail("PRODUCT_DATABASE_URL is not a database URL (postgres://user:password@host:port/database)");
    }
    if (embedded || location !== product) {
      fail(
        `${holder} keeps its products in ${embedded ? "the embedded PostgreSQL" : product}, not in ${location} ` +
          `(PRODUCT_DATABASE_URL): ${embedded ? "unset PRODUCT_DATABASE_URL" : "give the seed its URL"} to seed it, ` +
          `or stop it first (${howToStop(running)})`,
      );
    }
    console.error(`seeding the running system's product database (${product})`);
    return runSeed(given);
  }
  if (!embedded) {
    fail(
      `${holder} keeps its products in ${product} (its PRODUCT_DATABASE_URL, whose credentials it does not share): ` +
        "run the seed with the same PRODUCT_DATABASE_URL",
    );
  }
  console.error(`seeding through the running system's PostgreSQL (127.0.0.1:${running.databasePort})`);
  const password = embeddedPostgresPassword(dataDir);
  return runSeed(embeddedPostgresUrl({ port: running.databasePort!, password, database: "product" }));
}

async function main(): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) return runSeed(undefined);
  const given = process.env.PRODUCT_DATABASE_URL || undefined;
  const running = lockHolder(dataDir);
  if (running) return seedRunningSystem(running, given);
  if (given) return runSeed(undefined);

  const lock = acquireDataDirLock(dataDir, "npm run seed");
  let database: EmbeddedPostgres | undefined;
  const stop = async () => {
    await database?.stop();
    lock.release();
  };
  // Ctrl-C or a closed terminal: the seed child gets the signal from the terminal too; stop the database after it.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => void stop().finally(() => process.exit(1)));
  }
  try {
    database = await startEmbeddedPostgres({ dataDir, port: config.databasePort });
    lock.update({ databasePort: config.databasePort });
    await database.ensureDatabases(["product"]);
    return await runSeed(database.urlOf("product"));
  } finally {
    await stop();
  }
}

main().then((code) => process.exit(code), exitOnFailure("npm run seed cannot run"));
