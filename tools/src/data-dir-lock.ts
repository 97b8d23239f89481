import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Who holds a DATA_DIR: written into DATA_DIR/polyscale.lock by the process that took it. */
export interface LockHolder {
  pid: number;
  /** What it is doing: "npm start", "npm run seed". */
  command: string;
  startedAt: string;
  /** Set once the system is running. */
  gatewayUrl?: string;
  /** Set once the embedded PostgreSQL answers, so that other commands (seed) can go through it. */
  databasePort?: number;
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

function alive(pid: number): boolean {
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
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
  return Number.isInteger(holder.pid) && alive(holder.pid) ? holder : undefined;
}

/**
 * Takes DATA_DIR for this process: a lock file created exclusively (O_EXCL), naming this process. A lock whose process
 * is gone (killed, machine restarted) is taken over. Only one launcher, seed or other writer runs on a DATA_DIR.
 *
 * @throws DataDirInUseError naming the running holder
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  let holder: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
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
      if (lockHolder(dataDir)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
