import { spawn, type ChildProcess } from "node:child_process";

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last 64 kB the process printed, for failure messages. */
  output(): string;
  /** Why it failed, in one line, from what it printed (see reasonIn). */
  reason(): string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A process that failed to start. The message is one readable line; output holds everything it printed. */
export class StartError extends Error {
  override readonly name = "StartError";
  constructor(
    readonly processName: string,
    what: string,
    readonly output: string,
  ) {
    super(`${processName} ${what}`);
  }
}

/**
 * The one line that says why a process failed, from what it printed: the last JSON log line at error level or worse
 * (its message and error), else the last line naming an Error (Node's report of an uncaught one, without the source
 * excerpt and stack), else the last line that is not a log line below error level (a process killed by a signal
 * printed no reason, and its last info line, e.g. "NATS reachable again", is none). "no output" when it printed
 * nothing, "no error printed" when it printed only log lines below error level.
 */
export function reasonIn(printed: string): string {
  const lines = printed
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("at ") && !line.startsWith("Node.js v"));
  const notLogged: string[] = [];
  for (const line of [...lines].reverse()) {
    const entry = logEntryIn(line);
    if (!entry) notLogged.push(line);
    else if (entry.level === "error" || entry.level === "fatal") {
      return [entry.msg, entry.err?.message].filter(Boolean).join(": ");
    }
  }
  const named = notLogged.find((line) => /^[\w.]*(Error|Exception)\b[^:]*:/.test(line));
  const reason = named ?? notLogged[0] ?? (lines.length > 0 ? "no error printed" : "no output");
  return reason.length > 300 ? `${reason.slice(0, 300)}…` : reason;
}

/** The line as a JSON log entry (the platform logger's), or undefined when it is not one. */
function logEntryIn(line: string): { level?: string; msg?: string; err?: { message?: string } } | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const entry = JSON.parse(line) as { level?: unknown };
    return typeof entry.level === "string" ? (entry as { level: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** What `node --import` loads before a process's own modules: OpenTelemetry, when OTEL_* variables configure it. */
export const TELEMETRY_PRELOAD = new URL("./telemetry/register.js", import.meta.url).href;

/**
 * Starts a real process (a built service or the gateway), with telemetry preloaded as in its container, and waits
 * until isReady says so: asked again whenever the process prints something (a service logs as it starts listening)
 * and at least every 100 ms. If it exits first or is not ready in time, it throws a StartError saying why in one line.
 */
export async function startProcess(options: {
  name: string;
  script: string;
  /** Node.js and V8 flags for the process (e.g. `--max-semi-space-size=1`), before the script. */
  nodeOptions?: string[];
  env: Record<string, string | undefined>;
  /** Copy what the process prints to this process's stdout/stderr as well (the launcher does). */
  echo?: boolean;
  /** Whether it is ready, given everything it printed so far (the last 64 kB). */
  isReady: (printed: string) => boolean | Promise<boolean>;
  timeoutMs?: number;
  /** Aborting it while waiting stops the process and throws (a launcher told to stop during start-up). */
  signal?: AbortSignal;
}): Promise<RunningProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), "--import", TELEMETRY_PRELOAD, options.script],
    {
      // POLYSCALE_PARENT_PID: the child stops by itself if this process dies without stopping it (see stopWhenOrphaned).
      env: { ...process.env, POLYSCALE_PARENT_PID: String(process.pid), ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: a Ctrl-C in the terminal reaches only the parent, which then stops children in order.
      detached: true,
    },
  );
  let printed = "";
  /** Ends the current wait between two readiness checks. */
  let wake = () => {};
  // Only the tail is kept: enough to explain a failure, bounded for long-running processes.
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-64_000);
    wake();
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  if (options.echo) {
    child.stdout.pipe(process.stdout);
    child.stderr.pipe(process.stderr);
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const running: RunningProcess = {
    name: options.name,
    child,
    output: () => printed,
    reason: () => reasonIn(printed),
    async stop() {
      if (!hasExited) child.kill("SIGTERM");
      return exited;
    },
  };
  const giveUpAt = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await options.isReady(printed))) {
    if (options.signal?.aborted) {
      await running.stop();
      throw new StartError(options.name, "start cancelled", printed);
    }
    if (hasExited) throw new StartError(options.name, `exited before it was ready: ${reasonIn(printed)}`, printed);
    if (Date.now() > giveUpAt) {
      await running.stop();
      throw new StartError(options.name, `was not ready in time: ${reasonIn(printed)}`, printed);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 100);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  wake = () => {};
  return running;
}

/**
 * Runs stop once when the process that started this one is gone: the launcher passes its pid as POLYSCALE_PARENT_PID,
 * and a process whose parent changed was orphaned (the launcher was killed), so it must not run on unwatched. Here,
 * beside startProcess and free of heavy imports, so that the embedded PostgreSQL's small process can use it
 * (`@polyscale/platform/child-process`).
 */
export function stopWhenOrphaned(stop: () => void, parentPid = process.env.POLYSCALE_PARENT_PID): void {
  if (!parentPid) return;
  const timer = setInterval(() => {
    if (process.ppid === Number(parentPid)) return;
    clearInterval(timer);
    stop();
  }, 500);
  timer.unref();
}
