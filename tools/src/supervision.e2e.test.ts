/**
 * What `npm start` does with what it started (test-launcher.ts): everything stops with the launcher however it goes
 * (SIGTERM, a second Ctrl-C, SIGKILL, its npm killed), its watchdog signals nothing but its own PostgreSQL, and that
 * PostgreSQL is restarted while the services stay up. Starting and seeding are start.e2e.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "./ports.js";
import { LAUNCHER_NODE_OPTIONS, startSystem } from "./system.js";
import {
  environment,
  launch,
  launcherScript,
  running,
  startedBy,
  stopLaunchers,
  SYSTEM_TEST_TIMEOUT_MS,
  until,
} from "./test-launcher.js";
import { graphqlCall, restCall } from "./testing/index.js";

afterEach(stopLaunchers);

describe("npm start supervising what it started", { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it("services and the database stop by themselves when the launcher is killed", async () => {
    // Seen: with info logs (the default), orphans wrote to the dead launcher's pipe at exit forever and ignored SIGTERM.
    const launcher = launch({ ...(await environment()), LOG_LEVEL: "info" });
    await running(launcher);
    const pid = launcher.child.pid!;
    expect(startedBy(pid, launcher.dataDir).length).toBeGreaterThanOrEqual(8);
    // Idle memory: every Node.js process of the system runs with the launcher's flags.
    const commandLines = startedBy(pid, launcher.dataDir)
      .map((started) => readFileSync(`/proc/${started}/cmdline`, "utf8").split("\0"))
      .filter((argv) => argv.some((argument) => argument.endsWith("/dist/main.js")));
    expect(commandLines).toHaveLength(4);
    for (const argv of commandLines) expect(argv).toEqual(expect.arrayContaining(LAUNCHER_NODE_OPTIONS));
    launcher.child.kill("SIGKILL");
    await launcher.exited;
    await until(() => startedBy(pid, launcher.dataDir).length === 0, "the orphans to stop", 20_000);
  });

  it("regression: the watchdog of a killed launcher signals no process but its own PostgreSQL", async () => {
    // A postmaster.pid left by a server that died may name any process by now; the watchdog used to signal it blindly.
    const launcher = launch(await environment());
    await running(launcher);
    const pid = launcher.child.pid!;
    const watchdog = startedBy(pid, launcher.dataDir).find((started) =>
      readFileSync(`/proc/${started}/cmdline`, "utf8").startsWith("/bin/sh\0"),
    );
    expect(watchdog).toBeDefined();
    // Exits 42 on SIGINT; answers each line on stdin a moment later (after any signal already pending).
    const bystander = spawn(process.execPath, [
      "-e",
      "process.on('SIGINT', () => process.exit(42));" +
        "process.stdin.on('data', () => setTimeout(() => console.log('alive'), 50));",
    ]);
    try {
      const pidFile = path.join(launcher.dataDir, "postgres", "postmaster.pid");
      const [, ...rest] = readFileSync(pidFile, "utf8").split("\n");
      writeFileSync(pidFile, [String(bystander.pid), ...rest].join("\n"));
      launcher.child.kill("SIGKILL");
      await launcher.exited;
      await until(() => !existsSync(`/proc/${watchdog}`), "the watchdog to finish", 20_000);
      const answer = await new Promise<string>((resolve) => {
        bystander.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
        bystander.once("exit", (code) => resolve(`exited with ${code}`));
        bystander.stdin.write("still there?\n");
      });
      expect(answer).toBe("alive");
    } finally {
      bystander.kill("SIGKILL");
    }
  });

  it("regression: everything stops when the npm that ran it is killed without a terminal", async () => {
    // Seen (issue 11 review): `setsid npm start > log &`, then `kill -9` of npm left the launcher, PostgreSQL and the
    // four services running: without a terminal no SIGHUP comes, and nothing watched npm. Seen next: watching the
    // parent is not enough, since npm runs the script through `sh -c`, and Debian's sh (dash) stays as the launcher's
    // parent when npm dies. Here a stand-in for npm (npm_lifecycle_event set, as npm sets it) runs the launcher the same
    // way, through `sh -c`, and is killed.
    const env = await environment();
    const npm = spawn(
      process.execPath,
      [
        "-e",
        `require("node:child_process").spawn("sh", ["-c", ${JSON.stringify(`"${process.execPath}" "${launcherScript}"`)}], { stdio: "inherit" });
         setInterval(() => {}, 60_000);`,
      ],
      { env: { ...process.env, ...env, npm_lifecycle_event: "start" } },
    );
    let printed = "";
    npm.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    npm.stderr.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    await until(() => printed.includes("PolyScale is running") || npm.exitCode !== null, "the launcher under npm");
    const launcherPid = (JSON.parse(readFileSync(path.join(env.DATA_DIR, "polyscale.lock"), "utf8")) as { pid: number })
      .pid;
    expect(startedBy(launcherPid, env.DATA_DIR).length).toBeGreaterThanOrEqual(8);
    npm.kill("SIGKILL");
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await until(
        () => !alive(launcherPid) && startedBy(launcherPid, env.DATA_DIR).length === 0,
        "the launcher and its processes to stop",
        30_000,
      );
    } finally {
      // What the test left running if it failed: the launcher stops its processes on SIGTERM.
      if (alive(launcherPid)) process.kill(launcherPid, "SIGTERM");
    }
  });

  it("a service whose output nobody reads any more still stops at once on SIGTERM", async () => {
    const ports = {
      gateway: await freePort(),
      account: await freePort(),
      product: await freePort(),
      order: await freePort(),
    };
    const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-orphan-"));
    const system = await startSystem({
      ports,
      dataDir,
      databaseUrls: {},
      env: { LOG_LEVEL: "info" },
      only: ["gateway"],
    });
    const running = system.processes.gateway!;
    try {
      // What a killed launcher leaves: the read end of the service's stdout and stderr closed.
      running.child.stdout!.destroy();
      running.child.stderr!.destroy();
      await restCall(system.gatewayUrl, "GET", "/healthz"); // one more log line, into the broken pipe
      const stopped = running.stop();
      const gaveUp = new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 10_000));
      expect(await Promise.race([stopped, gaveUp])).toBe(0);
    } finally {
      running.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("restarts its embedded PostgreSQL when it stops or dies, while the services stay up and answer UNAVAILABLE", async () => {
    // Seen: `pg_ctl -m fast stop` (half a restart) made the launcher stop the whole system ~10 s later, blaming a
    // refused connection ("the database system is shutting down") instead of the cause.
    const launcher = launch(await environment());
    await running(launcher);
    const postmasterPid = () =>
      Number(readFileSync(path.join(launcher.dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
    const outcomes = { ok: 0, unavailable: 0, other: [] as string[] };
    const ask = async () => {
      const answer = await graphqlCall(launcher.gatewayUrl, "{ products(pagination: { take: 1 }) { id } }");
      if (!answer.errors) outcomes.ok += 1;
      else if (answer.errors.every((error) => error.extensions?.code === "UNAVAILABLE")) outcomes.unavailable += 1;
      else outcomes.other.push(JSON.stringify(answer.errors));
    };
    let asking = true;
    const traffic = (async () => {
      while (asking) await ask();
    })();
    const backs = () => launcher.output().split("embedded PostgreSQL is back").length - 1;

    // A fast shutdown, as `pg_ctl -m fast stop` sends it, then a crash (the postmaster killed).
    process.kill(postmasterPid(), "SIGINT");
    await until(() => backs() === 1, "PostgreSQL to be restarted after a fast shutdown", 60_000);
    process.kill(postmasterPid(), "SIGKILL");
    await until(() => backs() === 2, "PostgreSQL to be restarted after SIGKILL", 60_000);
    const okBefore = outcomes.ok;
    await until(() => outcomes.ok > okBefore + 3, "requests to succeed again", 60_000);
    asking = false;
    await traffic;

    expect(launcher.child.exitCode).toBeNull();
    expect(startedBy(launcher.child.pid!, launcher.dataDir).length).toBeGreaterThanOrEqual(8);
    expect(launcher.output()).not.toContain("PolyScale stopped");
    const stops = launcher
      .output()
      .split("\n")
      .filter((line) => line.includes("stopped unexpectedly"));
    expect(stops).toEqual([
      expect.stringMatching(/^embedded PostgreSQL stopped unexpectedly \(received fast shutdown request\); restarting/),
      expect.stringMatching(/^embedded PostgreSQL stopped unexpectedly \(postmaster killed by SIGKILL\); restarting/),
    ]);
    expect(outcomes.other).toEqual([]);
    expect(outcomes.unavailable).toBeGreaterThan(0);
  });

  it("a second Ctrl-C forces the stop", async () => {
    const launcher = launch(await environment());
    await running(launcher);
    const pid = launcher.child.pid!;
    launcher.child.kill("SIGINT");
    // Two signals sent at once would merge into one: the second comes once the first is being handled.
    await until(() => launcher.output().includes("press Ctrl-C again to force"), "the first signal to be handled");
    launcher.child.kill("SIGINT");
    expect(await launcher.exited).toBe(130);
    expect(launcher.output()).toContain("stopping now");
    await until(() => startedBy(pid, launcher.dataDir).length === 0, "every process to stop", 15_000);
  });
});
