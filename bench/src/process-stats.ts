import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Resident memory and CPU time of the system's processes, read from /proc (Linux): VmRSS from /proc/<pid>/status,
 * utime + stime from /proc/<pid>/stat.
 */

/** VmRSS in bytes from the text of /proc/<pid>/status. */
export function parseResidentBytes(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  if (!match) throw new Error("no VmRSS line in /proc/<pid>/status");
  return Number(match[1]) * 1024;
}

/** utime + stime in clock ticks from the text of /proc/<pid>/stat. */
export function parseCpuTicks(statText: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
  const fields = statText
    .slice(statText.lastIndexOf(")") + 2)
    .trim()
    .split(/\s+/);
  // Fields 14 and 15 of the whole line are utime and stime; the slice starts at field 3.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("unexpected /proc/<pid>/stat format");
  return utime + stime;
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function residentBytes(pid: number): number {
  return parseResidentBytes(readFileSync(`/proc/${pid}/status`, "utf8"));
}

/** CPU time (user + system) the process has used so far, in milliseconds. */
export function cpuMilliseconds(pid: number): number {
  return (parseCpuTicks(readFileSync(`/proc/${pid}/stat`, "utf8")) * 1000) / clockTicksPerSecond();
}

/** Keeps the highest resident memory of each process seen while sampling. */
export class PeakMemorySampler {
  readonly peakBytes: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>) {}

  sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      this.peakBytes[name] = Math.max(this.peakBytes[name] ?? 0, residentBytes(pid));
    }
  }

  /** Like sample(), but a process that died is left to the scenario whose calls then fail to report. */
  private sampleLiving(): void {
    try {
      this.sample();
    } catch {
      // Reading /proc of an exited process fails; the peak seen so far stands.
    }
  }

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sampleLiving(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sampleLiving();
  }
}

export function snapshot<T>(pids: Record<string, number>, read: (pid: number) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, read(pid)]));
}
