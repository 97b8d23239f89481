/**
 * `npm start` as a user runs it, on a fresh DATA_DIR: the first start (initdb of the embedded PostgreSQL, every
 * service migrating an empty database) and a warm start on the same data, each timed from the command to
 * "PolyScale is running", and the idle memory of the whole embedded system once started: the launcher, the four
 * processes, the embedded PostgreSQL's own process, the server and all its backends.
 * The build is up to date beforehand (`npm run bench` builds), so the warm start measures what `npm start` costs
 * when nothing changed: the no-op build check, then the start itself.
 */
import { isolatedLauncherEnvironment, processesStartedBy } from "@polyscale/tools/processes";
import { repositoryRoot } from "@polyscale/tools/system";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { residentBytes } from "../process-stats.js";
import type { TargetRow } from "../summary.js";

export interface StartupResult {
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

/** Runs `npm start` until the system is running; returns the time it took, the launcher's pid and a stop function. */
async function npmStart(env: Record<string, string>) {
  const started = performance.now();
  const child = spawn("npm", ["start"], { cwd: repositoryRoot, env: { ...process.env, ...env } });
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
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-bench-start-"));
  const env = await isolatedLauncherEnvironment(dataDir);
  try {
    const first = await npmStart(env);
    await first.stop();
    const warm = await npmStart(env);
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
  }
}

const MB = 1024 * 1024;

/** The targets of issue 11: warm start ≤ 5 s, first start ≤ 30 s, idle memory of the whole system ≤ 600 MB. */
export function startupTargets(result: StartupResult): TargetRow[] {
  const row = (target: string, measured: number, unit: string, limit: number, digits = 1): TargetRow => ({
    target,
    measured: `${measured.toFixed(digits)}${unit}`,
    verdict: measured <= limit ? "PASS" : "MISS",
  });
  return [
    row("warm `npm start` to running ≤ 5 s", result.warmStartMs / 1000, " s", 5),
    row("first `npm start` (fresh DATA_DIR) to running ≤ 30 s", result.firstStartMs / 1000, " s", 30),
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
