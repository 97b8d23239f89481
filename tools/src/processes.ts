import { freePort } from "./ports.js";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";

/**
 * A process's fields from /proc/<pid>/stat (Linux), undefined when it is gone or there is no /proc: its parent's pid
 * (field 4) and its start time (field 22, in clock ticks since boot, which tells a reused pid from the original).
 */
export function procStat(pid: number): { parentPid: number; startTime: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: fields 3 on follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { parentPid: Number(fields[1]), startTime: fields[19]! };
}

/** Shells npm may run a script through (its script-shell, `sh` by default); dash stays as the parent, bash may not. */
const SHELLS = new Set(["sh", "dash", "bash", "ash", "zsh", "ksh", "mksh", "busybox"]);

/**
 * Runs stop once when the npm that runs this process is gone (checked every 500 ms). npm runs a script through
 * `sh -c`; a shell that does not replace itself with the command (Debian's dash) is then the parent, and it lives on
 * when npm is killed. So besides the parent, a parent that is a shell has its own parent watched: it changes when npm
 * dies (the shell is reparented). Without /proc only the parent is watched.
 */
export function stopWhenNpmGone(stop: () => void): void {
  const parentPid = process.ppid;
  let parentIsShell = false;
  try {
    parentIsShell = SHELLS.has(readFileSync(`/proc/${parentPid}/comm`, "utf8").trim());
  } catch {
    // No /proc: the parent alone is watched.
  }
  const npmPid = parentIsShell ? procStat(parentPid)?.parentPid : undefined;
  const timer = setInterval(() => {
    if (process.ppid === parentPid && (npmPid === undefined || procStat(parentPid)?.parentPid === npmPid)) return;
    clearInterval(timer);
    stop();
  }, 500);
  timer.unref();
}

/**
 * Every live process a launcher started on dataDir, directly or not, by pid (Linux /proc): the services and the
 * embedded database's watchdog carry the launcher's pid in POLYSCALE_PARENT_PID; PostgreSQL's server and backends
 * overwrite that memory with their process titles, but all run in their data directory (DATA_DIR/postgres).
 * For tests and the benchmark: what is left behind, and what the system weighs.
 */
export function processesStartedBy(launcherPid: number, dataDir: string): number[] {
  const marker = `POLYSCALE_PARENT_PID=${launcherPid}\0`;
  const cluster = path.join(dataDir, "postgres");
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) found.push(Number(entry));
      else if (readlinkSync(`/proc/${entry}/cwd`) === cluster) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * The environment of a launcher that can run beside any other (tests, the benchmark): its own DATA_DIR, free ports
 * for every process (metrics too) and the embedded database, every service on the embedded database, quiet logs.
 */
export async function isolatedLauncherEnvironment(dataDir: string) {
  const [gateway, account, product, order, database, ...metrics] = await Promise.all(
    Array.from({ length: 9 }, () => freePort()),
  );
  return {
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(gateway),
    ACCOUNT_PORT: String(account),
    PRODUCT_PORT: String(product),
    ORDER_PORT: String(order),
    EMBEDDED_DATABASE_PORT: String(database),
    // Not the defaults (9464-9467): another system may be running on this machine.
    GATEWAY_METRICS_PORT: String(metrics[0]),
    ACCOUNT_METRICS_PORT: String(metrics[1]),
    PRODUCT_METRICS_PORT: String(metrics[2]),
    ORDER_METRICS_PORT: String(metrics[3]),
    ACCOUNT_DATABASE_URL: "",
    PRODUCT_DATABASE_URL: "",
    ORDER_DATABASE_URL: "",
    LOG_LEVEL: "warn",
  };
}
