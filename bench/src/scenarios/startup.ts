/**
 * `npm start` as a new user runs it: on a fresh clone of the repository's HEAD (`git clone --local`, so uncommitted
 * changes are not measured) whose dependencies `npm ci --prefer-offline` installed (timed apart, not part of the
 * start), the first `npm start` on a fresh DATA_DIR, timed from the command to "PolyScale is running": the build
 * (tools/build-if-stale.mjs: contract code generation, transpiling), initdb of the embedded PostgreSQL, every service
 * migrating an empty database. Then a warm start of the same clone on the same data (the no-op build check, then the
 * start itself), and the idle memory of the whole embedded system once started: the launcher, the four processes, the
 * embedded PostgreSQL's server and all its backends.
 */
import { isolatedLauncherEnvironment, processesStartedBy } from "@polyscale/tools/processes";
import { repositoryRoot } from "@polyscale/tools/system";
import { execFile, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { residentBytes } from "../process-stats.js";
import { fixed, judge, type TargetRow } from "../targets.js";

export interface StartupResult {
  /** The commit measured (the repository's HEAD), abbreviated. */
  commit: string;
  /** `npm ci --prefer-offline` in the fresh clone: what comes before `npm start`, not counted in it. */
  installMs: number;
  /** First `npm start` of the fresh clone, build included, to "PolyScale is running". */
  firstStartMs: number;
  warmStartMs: number;
  /** Sum of the resident set of every process of the system, 10 s after the warm start. */
  idleResidentBytes: number;
  /** The same, counting shared pages (PostgreSQL's shared buffers, the binaries) once: the sum of PSS. */
  idleProportionalBytes: number;
  processes: number;
}

const IDLE_SETTLE_MS = 10_000;

function proportionalBytes(pid: number): number {
  const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

const run = promisify(execFile);

/**
 * Clones the repository's HEAD into `folder` and installs its dependencies as a new user's are. The folder is opened
 * to other users (0755): as root, PostgreSQL runs as the postgres user, which must reach the binaries in the clone's
 * node_modules.
 */
async function freshClone(folder: string): Promise<{ clone: string; commit: string; installMs: number }> {
  chmodSync(folder, 0o755);
  const clone = path.join(folder, "polyscale");
  await run("git", ["clone", "--quiet", "--local", repositoryRoot, clone]);
  const commit = (await run("git", ["rev-parse", "--short", "HEAD"], { cwd: clone })).stdout.trim();
  const started = performance.now();
  await run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: clone, maxBuffer: 64 * 1024 * 1024 });
  return { clone, commit, installMs: performance.now() - started };
}

/**
 * Runs `npm start` in `cwd` until the system is running; returns the time it took, the launcher's pid and a stop
 * function.
 */
async function npmStart(cwd: string, env: Record<string, string>) {
  const started = performance.now();
  const child = spawn("npm", ["start"], { cwd, env: { ...process.env, ...env } });
  let printed = "";
  child.stdout.on("data", (chunk: Buffer) => (printed = (printed + chunk.toString()).slice(-20_000)));
  child.stderr.on("data", (chunk: Buffer) => (printed = (printed + chunk.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  while (!printed.includes("PolyScale is running")) {
    if (child.exitCode !== null) throw new Error(`npm start failed:\n${printed}`);
    await sleep(20);
  }
  const elapsedMs = performance.now() - started;
  const launcherPid = (JSON.parse(readFileSync(path.join(env.DATA_DIR!, "polyscale.lock"), "utf8")) as { pid: number })
    .pid;
  return {
    elapsedMs,
    launcherPid,
    async stop() {
      process.kill(launcherPid, "SIGTERM");
      await exited;
    },
  };
}

export async function measureStartup(): Promise<StartupResult> {
  const folder = mkdtempSync(path.join(tmpdir(), "polyscale-bench-clone-"));
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-bench-start-"));
  try {
    const { clone, commit, installMs } = await freshClone(folder);
    const env = await isolatedLauncherEnvironment(dataDir);
    const first = await npmStart(clone, env);
    await first.stop();
    const warm = await npmStart(clone, env);
    try {
      await sleep(IDLE_SETTLE_MS);
      const pids = [warm.launcherPid, ...processesStartedBy(warm.launcherPid, dataDir)];
      const sum = (read: (pid: number) => number) =>
        pids.reduce((total, pid) => {
          try {
            return total + read(pid);
          } catch {
            return total;
          }
        }, 0);
      return {
        commit,
        installMs,
        firstStartMs: first.elapsedMs,
        warmStartMs: warm.elapsedMs,
        idleResidentBytes: sum(residentBytes),
        idleProportionalBytes: sum(proportionalBytes),
        processes: pids.length,
      };
    } finally {
      await warm.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  }
}

const MB = 1024 * 1024;

/** The targets of issue 11: warm start ≤ 5 s, first start ≤ 30 s, idle memory of the whole system ≤ 600 MB. */
export function startupTargets(result: StartupResult): TargetRow[] {
  const row = (target: string, measured: number, unit: string, limit: number, digits = 1): TargetRow => ({
    target,
    measured: fixed(measured, digits, unit),
    verdict: judge(measured, (value) => value <= limit),
  });
  return [
    row("warm `npm start` to running ≤ 5 s", result.warmStartMs / 1000, " s", 5),
    row(
      `first \`npm start\` of a fresh clone (${result.commit}; build included, not \`npm ci\`: ` +
        `${(result.installMs / 1000).toFixed(0)} s) to running ≤ 30 s`,
      result.firstStartMs / 1000,
      " s",
      30,
    ),
    row(
      `idle memory of the whole embedded system ≤ 600 MB (RSS sum, ${result.processes} processes; PSS ` +
        `${(result.idleProportionalBytes / MB).toFixed(0)} MB)`,
      result.idleResidentBytes / MB,
      " MB",
      600,
      0,
    ),
  ];
}
