import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { procStat } from "./processes.js";

/** Who holds a DATA_DIR: written into DATA_DIR/polyscale.lock by the process that took it. */
export interface LockHolder {
  pid: number;
  /** What it is doing: "npm start", "npm run seed". */
  command: string;
  startedAt: string;
  /**
   * The holder's start time as the kernel counts it (/proc/<pid>/stat field 22, clock ticks since boot), so that a pid
   * reused by another process after a restart is not taken for the holder. Absent without /proc.
   */
  processStartTime?: string;
  /** Set once the system is running. */
  gatewayUrl?: string;
  /** Set once the embedded PostgreSQL answers, so that other commands (seed) can go through it. */
  databasePort?: number;
  /**
   * Set once the system's databases are known, so that other commands (seed) write where the services read: per
   * service, "embedded" (the embedded PostgreSQL on databasePort) or where the URL it was given points
   * (databaseLocation: no credentials).
   */
  databases?: Record<"account" | "product" | "order", string>;
}

/**
 * One spelling of a PostgreSQL host: lower case, IPv4 in its dotted form (127.1 is 127.0.0.1), and every name of this
 * machine's loopback as `localhost`: the name itself and names under it (RFC 6761 reserves them for loopback), with or
 * without the final dot, 127.0.0.1 and ::1. A server listening on loopback answers on both addresses, and a client
 * given `localhost` tries both; other 127.x addresses stay apart, since two servers can listen on two of them. A Unix
 * socket directory (a path) is kept as it is.
 */
function canonicalHost(host: string): string {
  // A Unix socket directory: a path, spelt as given.
  if (host.includes("/")) return host;
  let name = host.toLowerCase().replace(/\.$/, "");
  if (!name.startsWith("[")) {
    try {
      // The WHATWG host parser of special schemes (http:), which postgres: URLs do not get: IPv4 shorthands.
      name = new URL(`http://${name}`).hostname;
    } catch {
      // Not a host name a URL can hold: kept as written.
    }
  }
  const loopback = name === "localhost" || name.endsWith(".localhost") || name === "127.0.0.1" || name === "[::1]";
  return loopback ? "localhost" : name;
}

/**
 * Where a database URL points, as `postgres://host:port/database`: no user, password or options, as a lock file is no
 * place for credentials. URLs of one database give one location, whoever connects, however the scheme is spelt
 * (postgres:, postgresql:) and whichever name of the same host they use (canonicalHost: localhost and 127.0.0.1 are
 * one server). What a URL leaves out is what node-postgres then uses: host localhost (or the `host` option, e.g. a
 * Unix socket directory), port 5432, and the user's name as the database.
 *
 * @throws TypeError when url is not a URL
 */
export function databaseLocation(url: string): string {
  const parsed = new URL(url);
  // A Unix socket directory may be the host, percent-encoded (postgres://%2Fvar%2Frun%2Fpostgresql/shop).
  const host = canonicalHost(decodeURIComponent(parsed.hostname) || parsed.searchParams.get("host") || "localhost");
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username);
  return `postgres://${host}:${parsed.port || "5432"}/${encodeURIComponent(database)}`;
}

/**
 * Who holds a DATA_DIR, for messages: "`npm start` (pid 7988, since 2026-11-30T10:38:47.585Z, gateway
 * http://127.0.0.1:4000)".
 */
export function describeHolder(holder: LockHolder): string {
  const gateway = holder.gatewayUrl ? `, gateway ${holder.gatewayUrl}` : "";
  return `\`${holder.command}\` (pid ${holder.pid}, since ${holder.startedAt}${gateway})`;
}

/** How to stop the holder of a DATA_DIR: "Ctrl-C in its terminal, or kill 7988". */
export const howToStop = (holder: LockHolder) => `Ctrl-C in its terminal, or kill ${holder.pid}`;

/**
 * A DATA_DIR held by a live process. The message is one sentence saying what runs (command, pid, since when, its
 * gateway), where (DATA_DIR) and what to do: stop it, or run a second system on a DATA_DIR of its own; wait for a seed.
 */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const what =
      holder.command === "npm start"
        ? `stop it first (${howToStop(holder)}), or run this one with another DATA_DIR and other ports`
        : `wait for it to finish, or stop it (${howToStop(holder)})`;
    super(`${describeHolder(holder)} is already running on DATA_DIR ${dataDir}: ${what}`);
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Adds what became known since (gateway URL, database port) for other commands to read. */
  update(fields: Partial<LockHolder>): void;
  release(): void;
}

const lockFile = (dataDir: string) => path.join(dataDir, "polyscale.lock");

/**
 * Whether the holder still runs: not this process (a container restarted after a kill -9 repeats pids, so the lock's pid
 * may be ours), and a live process with that pid that started when the holder did (else the pid was reused).
 */
function alive({ pid, processStartTime }: LockHolder): boolean {
  if (pid === process.pid) return false;
  if (processStartTime !== undefined) {
    const now = procStat(pid);
    if (now) return now.startTime === processStartTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live process holding dataDir, if any (a lock left by a process that died is ignored). */
export function lockHolder(dataDir: string): LockHolder | undefined {
  const holder = writtenHolder(dataDir);
  return holder && Number.isInteger(holder.pid) && alive(holder) ? holder : undefined;
}

/** What the lock file says, live holder or not; undefined when there is none or it cannot be read. */
function writtenHolder(dataDir: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Writes the holder into the lock file in one step (a draft renamed over it), so no reader sees it half-written. */
function writeLock(file: string, holder: LockHolder): void {
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, JSON.stringify(holder));
  renameSync(draft, file);
}

/** How long a takeover guard may stand before it counts as left by a process that died inside it. */
const GUARD_ABANDONED_MS = 5_000;
const GUARD_RETRY_MS = 10;

/**
 * Runs `section` while holding DATA_DIR's takeover guard: a directory only one process can create (mkdir), so that
 * reading the lock and replacing it are one step among all processes taking it. A guard older than GUARD_ABANDONED_MS
 * (the section takes microseconds) was left by a process killed inside it and is removed.
 */
function whileGuarded<T>(dataDir: string, section: () => T): T {
  const guard = `${lockFile(dataDir)}.guard`;
  for (;;) {
    try {
      mkdirSync(guard);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let age: number;
      try {
        age = Date.now() - statSync(guard).mtimeMs;
      } catch {
        continue; // Released meanwhile.
      }
      if (age > GUARD_ABANDONED_MS) rmSync(guard, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, GUARD_RETRY_MS);
    }
  }
  try {
    return section();
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/**
 * Takes DATA_DIR for this process: a lock file naming this process and its start time. A lock whose process is gone
 * (killed, machine restarted), or whose pid now names this or another process, is taken over. Only one launcher, seed
 * or other writer runs on a DATA_DIR: the lock is read and replaced under a guard (whileGuarded), so of several
 * processes that find the same stale lock at once exactly one takes it (without the guard, a slower one removed the
 * lock the faster had just written, and both ran).
 *
 * @throws DataDirInUseError naming the running holder
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  let holder: LockHolder = {
    pid: process.pid,
    command,
    startedAt: new Date().toISOString(),
    processStartTime: procStat(process.pid)?.startTime,
  };
  whileGuarded(dataDir, () => {
    const current = lockHolder(dataDir);
    if (current) throw new DataDirInUseError(dataDir, current);
    writeLock(file, holder);
  });
  let released = false;
  return {
    file,
    update(fields) {
      holder = { ...holder, ...fields };
      writeLock(file, holder);
    },
    release() {
      if (released) return;
      released = true;
      if (writtenHolder(dataDir)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
