import { spawn, type ChildProcess } from "node:child_process";

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last 64 kB the process printed, for failure messages. */
  output(): string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a real process (a built service or the gateway) and waits until isReady() says so. If it exits first or is
 * not ready in time, the error carries what it printed.
 */
export async function startProcess(options: {
  name: string;
  script: string;
  env: Record<string, string | undefined>;
  /** Copy what the process prints to this process's stdout/stderr as well (the launcher does). */
  echo?: boolean;
  isReady: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<RunningProcess> {
  const child = spawn(process.execPath, [options.script], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which then stops children in order.
    detached: true,
  });
  let printed = "";
  // Only the tail is kept: enough to explain a failure, bounded for long-running processes.
  const keep = (chunk: Buffer) => (printed = (printed + chunk.toString()).slice(-64_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  if (options.echo) {
    child.stdout!.pipe(process.stdout);
    child.stderr!.pipe(process.stderr);
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const running: RunningProcess = {
    name: options.name,
    child,
    output: () => printed,
    async stop() {
      if (!hasExited) child.kill("SIGTERM");
      return exited;
    },
  };
  const giveUpAt = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await options.isReady())) {
    if (hasExited) throw new Error(`${options.name} exited before it was ready:\n${printed}`);
    if (Date.now() > giveUpAt) {
      await running.stop();
      throw new Error(`${options.name} was not ready in time:\n${printed}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return running;
}
