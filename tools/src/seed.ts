/**
 * `npm run seed [-- --products N --seed S --reset]`: runs the product service's seed (services/product/dist/seed.js,
 * progress bar and all) on the database the product service uses, safely whatever else runs:
 * - PRODUCT_DATABASE_URL when set;
 * - else, while `npm start` runs on DATA_DIR, through its embedded PostgreSQL (a server handles both writers at once;
 *   `--reset` is refused then, as it would pull the catalogue from under the running services);
 * - else an embedded PostgreSQL started for the seed alone, holding DATA_DIR's lock so that `npm start` is refused
 *   meanwhile, and stopped afterwards.
 */
import { readConfig, setting } from "@polyscale/platform";
import { spawn } from "node:child_process";
import path from "node:path";
import { acquireDataDirLock, lockHolder } from "./data-dir-lock.js";
import {
  DEFAULT_EMBEDDED_POSTGRES_PORT,
  embeddedPostgresPassword,
  embeddedPostgresUrl,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from "./embedded-postgres.js";
import { repositoryRoot } from "./system.js";

const seedScript = path.join(repositoryRoot, "services/product/dist/seed.js");
const args = process.argv.slice(2);
const config = readConfig({
  dataDir: setting.string("DATA_DIR", path.join(repositoryRoot, "data")),
  databasePort: setting.port("EMBEDDED_DATABASE_PORT", DEFAULT_EMBEDDED_POSTGRES_PORT),
});
const dataDir = path.resolve(config.dataDir);

/** Runs the seed script with this database URL; resolves with its exit code. */
function runSeed(databaseUrl: string | undefined): Promise<number> {
  const child = spawn(process.execPath, [seedScript, ...args], {
    stdio: "inherit",
    env: { ...process.env, ...(databaseUrl ? { PRODUCT_DATABASE_URL: databaseUrl } : {}) },
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}

function fail(message: string): never {
  console.error(`npm run seed: ${message}`);
  process.exit(1);
}

async function main(): Promise<number> {
  if (process.env.PRODUCT_DATABASE_URL || args.includes("--help") || args.includes("-h")) return runSeed(undefined);

  const running = lockHolder(dataDir);
  if (running) {
    if (running.command !== "npm start" || running.databasePort === undefined) {
      fail(
        `${dataDir} is in use by \`${running.command}\` (pid ${running.pid}) and its database is not running for ` +
          "others yet; try again once it has started or finished",
      );
    }
    if (args.includes("--reset")) {
      fail(
        `--reset would empty the catalogue under the running \`${running.command}\` (pid ${running.pid}); stop it first`,
      );
    }
    console.error(`seeding through the running system's PostgreSQL (127.0.0.1:${running.databasePort})`);
    const password = embeddedPostgresPassword(dataDir);
    return runSeed(embeddedPostgresUrl({ port: running.databasePort, password, database: "product" }));
  }

  let lock;
  try {
    lock = acquireDataDirLock(dataDir, "npm run seed");
  } catch (error) {
    fail((error as Error).message);
  }
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => fail((error as Error).message),
);
