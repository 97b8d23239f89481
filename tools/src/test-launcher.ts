/**
 * For the launcher's end-to-end suites (start.e2e: starting, seeding and what is refused; supervision.e2e: what the
 * launcher does with what it started, stopping it and restarting its PostgreSQL): `npm start` and `npm run seed` as a
 * user runs them, the built launcher (tools/dist/start.js) as a real process on a fresh DATA_DIR with its embedded
 * PostgreSQL and free ports. Each file calls `afterEach(stopLaunchers)`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isolatedLauncherEnvironment, processesStartedBy } from "./processes.js";
import { graphqlCall } from "./testing/index.js";

/** Every test starts the whole system at least once, on a machine that may be busy. */
export const SYSTEM_TEST_TIMEOUT_MS = 300_000;

export const launcherScript = fileURLToPath(new URL("../dist/start.js", import.meta.url));
const seedScript = fileURLToPath(new URL("../dist/seed.js", import.meta.url));

export interface Launcher {
  child: ChildProcess;
  env: Record<string, string>;
  dataDir: string;
  gatewayUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

const launched: Launcher[] = [];

/** A launcher environment of its own: DATA_DIR (a fresh one unless given) and free ports. */
export const environment = (dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-launcher-"))) =>
  isolatedLauncherEnvironment(dataDir);

export function launch(env: Record<string, string>): Launcher {
  const child = spawn(process.execPath, [launcherScript], { env: { ...process.env, ...env } });
  let printed = "";
  child.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const launcher: Launcher = {
    child,
    env,
    dataDir: env.DATA_DIR!,
    gatewayUrl: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    output: () => printed,
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  launched.push(launcher);
  return launcher;
}

/** Polls condition every 100 ms; throws naming `what` after timeoutMs. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000) {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the launcher says PolyScale is running; throws with its output if it exited first. */
export async function running(launcher: Launcher): Promise<void> {
  await until(
    () => launcher.output().includes("PolyScale is running") || launcher.child.exitCode !== null,
    "the launcher",
  );
  if (!launcher.output().includes("PolyScale is running")) throw new Error(`launcher failed:\n${launcher.output()}`);
}

/** The processes the launcher with this pid started on this DATA_DIR (processesStartedBy). */
export const startedBy = processesStartedBy;

/**
 * Runs `npm run seed` to its end without blocking this process (spawnSync would: the gateway then closes the idle
 * keep-alive connection unseen, and the next request on it fails with "other side closed").
 */
export async function seed(env: Record<string, string>, ...args: string[]) {
  const child = spawn(process.execPath, [seedScript, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 120_000,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { status, stderr };
}

/** How many products the running system's search counts. */
export async function productCount(launcher: Launcher): Promise<number> {
  const answer = await graphqlCall<{ searchProducts: { totalCount: number } }>(
    launcher.gatewayUrl,
    "{ searchProducts(pagination: { take: 1 }) { totalCount } }",
  );
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return answer.data.searchProducts.totalCount;
}

/** When the running launcher took DATA_DIR, as its lock says (and as refusals quote it). */
export const startedAt = (launcher: Launcher) =>
  (JSON.parse(readFileSync(path.join(launcher.dataDir, "polyscale.lock"), "utf8")) as { startedAt: string }).startedAt;

/** Stops every launcher a test started (and anything left of it), and deletes its DATA_DIR. */
export async function stopLaunchers(): Promise<void> {
  for (const launcher of launched.splice(0)) {
    const pid = launcher.child.pid!;
    if (launcher.child.exitCode === null) {
      launcher.child.kill("SIGTERM");
      await launcher.exited;
    }
    for (const leftover of startedBy(pid, launcher.dataDir)) {
      try {
        process.kill(leftover, "SIGKILL");
      } catch (error) {
        // Seen: ESRCH failed a passing test: a process still stopping when listed was gone by the kill.
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
    }
    rmSync(launcher.dataDir, { recursive: true, force: true });
  }
}
