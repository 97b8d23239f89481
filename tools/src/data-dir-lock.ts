import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
 * Where a database URL points, as `postgres://host:port/database` (the port 5432 when the URL has none): no user,
 * password or options, as a lock file is no place for credentials. URLs of one database give one location, whoever
 * connects and however the scheme is spelt (postgres:, postgresql:).
 *
 * @throws TypeError when url is not a URL
 */
export function databaseLocation(url: string): string {
  const parsed = new URL(url);
  return `postgres://${parsed.hostname.toLowerCase()}:${parsed.port || "5432"}${parsed.pathname}`;
}

export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${dataDir} is in use by \`${holder.command}\` (pid ${holder.pid}, since ${holder.startedAt}` +
        `${holder.gatewayUrl ? `, ${holder.gatewayUrl}` : ""}); stop it first (Ctrl-C in its terminal, or kill ${holder.pid})`,
    );
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

/**
 * Takes DATA_DIR for this process: a lock file created exclusively (O_EXCL), naming this process and its start time. A
 * lock whose process is gone (killed, machine restarted), or whose pid now names this or another process, is taken over. Only one launcher, seed or other writer runs on a DATA_DIR.
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
  // Two tries: the second after removing a stale lock. If another process wins that race, it holds the lock.
  for (let attempt = 1; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(holder), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const current = lockHolder(dataDir);
      if (current) throw new DataDirInUseError(dataDir, current);
      if (attempt === 2) throw new Error(`cannot take ${file}: another process keeps replacing it`, { cause: error });
      rmSync(file, { force: true });
    }
  }
  let released = false;
  return {
    file,
    update(fields) {
      holder = { ...holder, ...fields };
      writeFileSync(file, JSON.stringify(holder));
    },
    release() {
      if (released) return;
      released = true;
      if (writtenHolder(dataDir)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
