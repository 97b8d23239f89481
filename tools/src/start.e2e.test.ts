/**
 * `npm start` and `npm run seed` as a user runs them (test-launcher.ts): starting on a fresh DATA_DIR, seeding a
 * running system, and what either refuses in one line (a second start, a busy port, a bad setting or DATA_DIR), with
 * the regressions of issue 11 (the "Seen" list). What the launcher does with what it started is supervision.e2e.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databaseLocation } from "./data-dir-lock.js";
import {
  environment,
  launch,
  launcherScript,
  productCount,
  running,
  seed,
  startedAt,
  startedBy,
  stopLaunchers,
  SYSTEM_TEST_TIMEOUT_MS,
  until,
} from "./test-launcher.js";
import { createScratchDatabases } from "./testing/index.js";

afterEach(stopLaunchers);

describe("npm start on the embedded PostgreSQL", { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it("refuses a second start, seeds through the running database idempotently, and leaves nothing behind on SIGHUP", async () => {
    const first = launch(await environment());
    await running(first);
    expect(first.output()).toMatch(/embedded PostgreSQL on 127\.0\.0\.1:\d+/);
    // Seen: "FATAL: the database system is starting up", for the launcher's own early connection attempts.
    expect(first.output()).not.toContain("FATAL");
    // The gateway starts beside the account service: its revocation stream waits for it without a warning.
    expect(first.output()).not.toContain("revocation stream lost");

    // Seen: a second npm start printed "PolyScale is running" (the first one's health check), then EADDRINUSE.
    const second = launch({ ...(await environment(first.dataDir)) });
    expect(await second.exited).toBe(2);
    expect(second.output()).not.toContain("PolyScale is running");
    // Seen: "PolyScale is already running: … is in use by `npm start` …": one sentence now, what runs, where, what to do.
    const firstOne = `\`npm start\` (pid ${first.child.pid}, since ${startedAt(first)}, gateway ${first.gatewayUrl})`;
    expect(second.output().trim().split("\n")).toEqual([
      `PolyScale cannot start: ${firstOne} is already running on DATA_DIR ${first.dataDir}: stop it first (Ctrl-C in ` +
        `its terminal, or kill ${first.child.pid}), or run this one with another DATA_DIR and other ports`,
    ]);

    // Seen: seed while the system ran printed "seeded", then the data was corrupt after a restart.
    const seeded = await seed(first.env, "--products", "120");
    expect(seeded.status).toBe(0);
    expect(seeded.stderr).toContain("seeding through the running system's PostgreSQL");
    expect(seeded.stderr).toContain("seeded 120 new products");
    expect(await productCount(first)).toBe(120);
    const again = await seed(first.env, "--products", "150");
    expect(again.stderr).toContain("seeded 30 new products");
    expect(await productCount(first)).toBe(150);
    const reset = await seed(first.env, "--reset");
    expect(reset.status).toBe(1);
    expect(reset.stderr.trim()).toBe(
      `npm run seed cannot run: ${firstOne} on DATA_DIR ${first.dataDir} is running, and --reset would empty the catalogue ` +
        `under it: stop it first (Ctrl-C in its terminal, or kill ${first.child.pid}), then seed with --reset`,
    );
    expect(await productCount(first)).toBe(150);

    // Seen: closing the terminal orphaned all four services, which then ignored SIGTERM.
    const pid = first.child.pid!;
    expect(startedBy(pid, first.dataDir).length).toBeGreaterThanOrEqual(8); // four services, the database process, PostgreSQL and its backends
    first.child.kill("SIGHUP");
    expect(await first.exited).toBe(0);
    await until(() => startedBy(pid, first.dataDir).length === 0, "every process to stop", 15_000);
    expect(existsSync(path.join(first.dataDir, "polyscale.lock"))).toBe(false);

    // The data survived: a fresh start (warm, no initdb) still has the catalogue, and the seed stays idempotent.
    const restarted = launch(first.env);
    await running(restarted);
    expect(restarted.output()).not.toContain("FATAL");
    expect(await productCount(restarted)).toBe(150);
  });

  it("regression: seeds the database a system started on PRODUCT_DATABASE_URL uses, or refuses naming it", async () => {
    const scratch = await createScratchDatabases(["product", "other"]);
    const urls = scratch.urls;
    const env = { ...(await environment()), PRODUCT_DATABASE_URL: urls.product };
    const launcher = launch(env);
    try {
      await running(launcher);
      const location = databaseLocation(urls.product);
      const holder =
        `\`npm start\` (pid ${launcher.child.pid}, since ${startedAt(launcher)}, gateway ${launcher.gatewayUrl}) ` +
        `on DATA_DIR ${env.DATA_DIR}`;

      // Seen: without PRODUCT_DATABASE_URL the seed wrote into the embedded PostgreSQL (which the system ran for the
      // account and order services), printed "seeded", and the running system showed none of it.
      const unset = await seed({ ...env, PRODUCT_DATABASE_URL: "" }, "--products", "20");
      expect(unset.status).toBe(1);
      expect(unset.stderr.trim()).toBe(
        `npm run seed cannot run: ${holder} keeps its products in ${location} (its PRODUCT_DATABASE_URL, whose credentials it ` +
          "does not share): run the seed with the same PRODUCT_DATABASE_URL",
      );
      const other = await seed({ ...env, PRODUCT_DATABASE_URL: urls.other }, "--products", "20");
      expect(other.status).toBe(1);
      expect(other.stderr).toContain(
        `${holder} keeps its products in ${location}, not in ${databaseLocation(urls.other)}`,
      );
      expect(await productCount(launcher)).toBe(0);
      // Credentials stay out of what the seed prints and out of the lock file.
      const password = decodeURIComponent(new URL(urls.product).password);
      if (password) {
        expect(unset.stderr + other.stderr).not.toContain(password);
        expect(readFileSync(path.join(env.DATA_DIR, "polyscale.lock"), "utf8")).not.toContain(password);
      }

      // Regression: the same server under another name of loopback (localhost for 127.0.0.1) was refused as another
      // database. The system's URL names one of the two (scratch databases are on the test server).
      const sameServer = new URL(urls.product);
      const loopbackNames: Record<string, string> = { "127.0.0.1": "localhost", localhost: "127.0.0.1" };
      sameServer.hostname = loopbackNames[sameServer.hostname] ?? sameServer.hostname;
      const same = await seed({ ...env, PRODUCT_DATABASE_URL: sameServer.href }, "--products", "20");
      expect(same.status, same.stderr).toBe(0);
      expect(same.stderr).toContain(`seeding the running system's product database (${location})`);
      expect(await productCount(launcher)).toBe(20);
    } finally {
      launcher.child.kill("SIGTERM");
      await launcher.exited;
      await scratch.drop();
    }
  });

  it("refuses a seed given another PRODUCT_DATABASE_URL than the embedded one the running system uses", async () => {
    const scratch = await createScratchDatabases(["product"]);
    const urls = scratch.urls;
    try {
      const launcher = launch(await environment());
      await running(launcher);
      const elsewhere = await seed({ ...launcher.env, PRODUCT_DATABASE_URL: urls.product }, "--products", "5");
      expect(elsewhere.status).toBe(1);
      expect(elsewhere.stderr).toContain(
        `keeps its products in the embedded PostgreSQL, not in ${databaseLocation(urls.product)}`,
      );
      expect(elsewhere.stderr).toContain("unset PRODUCT_DATABASE_URL to seed it, or stop it first");
      expect(await productCount(launcher)).toBe(0);
    } finally {
      await scratch.drop();
    }
  });

  it("regression: a seed beside another seed or a start still starting is refused in one sentence saying what to do", async () => {
    // Seen: "… is in use by `npm run seed` (pid …) and its database is not running for others yet". This process's
    // parent stands for the holder: a live process whose start time the lock gives, as a launcher's would.
    const env = await environment();
    const parentStart = readFileSync(`/proc/${process.ppid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];
    const lockFile = path.join(env.DATA_DIR, "polyscale.lock");
    const holder = (command: string) => {
      writeFileSync(
        lockFile,
        JSON.stringify({ pid: process.ppid, command, startedAt: "then", processStartTime: parentStart }),
      );
      return `\`${command}\` (pid ${process.ppid}, since then) on DATA_DIR ${env.DATA_DIR}`;
    };
    try {
      const seeding = holder("npm run seed");
      const beside = await seed(env, "--products", "5");
      expect(beside.status).toBe(1);
      expect(beside.stderr.trim()).toBe(
        `npm run seed cannot run: ${seeding} is using the database: wait for it to finish, or stop it (Ctrl-C in its terminal, ` +
          `or kill ${process.ppid})`,
      );
      const starting = holder("npm start");
      const early = await seed(env, "--products", "5");
      expect(early.status).toBe(1);
      expect(early.stderr.trim()).toBe(
        `npm run seed cannot run: ${starting} is still starting: run the seed again once it says "PolyScale is running"`,
      );
    } finally {
      rmSync(env.DATA_DIR, { recursive: true, force: true });
    }
  });

  it("stops everything it started when one process fails, and says which and why in one line", async () => {
    // Seen: a failed start left the account service running, its port and database held.
    const env = { ...(await environment()), ORDER_DATABASE_URL: "postgres://postgres@127.0.0.1:1/order" };
    const launcher = launch(env);
    expect(await launcher.exited).toBe(1);
    const failure = launcher
      .output()
      .split("\n")
      .filter((line) => line.startsWith("PolyScale did not start"));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(/^PolyScale did not start: order exited before it was ready: .*ECONNREFUSED/);
    expect(failure[0]!.length).toBeLessThan(400);
    expect(startedBy(launcher.child.pid!, launcher.dataDir)).toEqual([]);
    expect(existsSync(path.join(env.DATA_DIR, "polyscale.lock"))).toBe(false);
    expect(existsSync(path.join(env.DATA_DIR, "postgres", "postmaster.pid"))).toBe(false);
  });

  it("refuses to start when another program holds its database port, in one line naming the setting", async () => {
    const env = await environment();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(env.EMBEDDED_DATABASE_PORT), "127.0.0.1", resolve));
    try {
      const launcher = launch(env);
      expect(await launcher.exited).toBe(1);
      expect(launcher.output().trim().split("\n")).toEqual([
        `PolyScale did not start: port ${env.EMBEDDED_DATABASE_PORT} (EMBEDDED_DATABASE_PORT) already in use by ` +
          "another process: stop it, or set EMBEDDED_DATABASE_PORT to a free port",
      ]);
      expect(startedBy(launcher.child.pid!, launcher.dataDir)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it("regression: a first start killed during initdb leaves a DATA_DIR the next start can use", async () => {
    // Seen: kill -9 during initdb, once DATA_DIR/postgres/PG_VERSION existed, broke DATA_DIR for good ("PostgreSQL
    // exited at start (code 2)"): a half-made cluster was taken for a made one.
    const env = await environment();
    const first = spawn(process.execPath, [launcherScript], {
      env: { ...process.env, ...env },
      stdio: "ignore",
      // Its own process group, so that initdb and the process running it are killed with it.
      detached: true,
    });
    const made = (name: string) => existsSync(path.join(env.DATA_DIR, name, "PG_VERSION"));
    await until(() => made("postgres") || made("postgres.initdb"), "initdb to be under way", 60_000);
    process.kill(-first.pid!, "SIGKILL");
    const again = launch(env);
    await running(again);
  });

  it("regression: a DATA_DIR it cannot use is reported as such, not as PolyScale already running", async () => {
    // Seen: a read-only DATA_DIR printed "PolyScale is already running: EROFS…". Here DATA_DIR is a file, which fails
    // the same way for root too.
    const env = await environment();
    const notADirectory = path.join(env.DATA_DIR, "file");
    writeFileSync(notADirectory, "");
    const launcher = launch({ ...env, DATA_DIR: notADirectory });
    expect(await launcher.exited).toBe(1);
    launcher.dataDir = env.DATA_DIR; // for afterEach to remove the directory around the file
    expect(launcher.output()).not.toContain("already running");
    expect(launcher.output()).toMatch(new RegExp(`^PolyScale cannot use DATA_DIR ${notADirectory}: E\\w+`));
  });

  it("regression: prints the metrics ports the processes serve on when *_METRICS_PORT is 0, not :0", async () => {
    // Seen (nu17 finding 12): GATEWAY_METRICS_PORT=0 printed gateway http://127.0.0.1:0/metrics.
    const metricsVariables = ["GATEWAY", "ACCOUNT", "PRODUCT", "ORDER"].map((name) => `${name}_METRICS_PORT`);
    const launcher = launch({
      ...(await environment()),
      ...Object.fromEntries(metricsVariables.map((variable) => [variable, "0"])),
    });
    await running(launcher);
    await until(() => launcher.output().includes("Press Ctrl-C to stop."), "the banner");
    const urls = ["gateway", "account", "product", "order"].map((name) =>
      new RegExp(`${name} (http://127\\.0\\.0\\.1:(\\d+)/metrics)`).exec(launcher.output())!,
    );
    for (const [, url, port] of urls) {
      expect(Number(port)).toBeGreaterThan(0);
      const response = await fetch(url!);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("process_cpu_user_seconds_total");
    }
  });

  it("regression: a bad launcher setting is refused in one line naming it, not with a stack", async () => {
    // Seen: GATEWAY_PORT=abc printed an uncaught ConfigError with a source excerpt and stack frames.
    const env = await environment();
    const launcher = launch({ ...env, GATEWAY_PORT: "abc" });
    expect(await launcher.exited).toBe(1);
    const lines = launcher.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^PolyScale cannot start: invalid configuration: GATEWAY_PORT: /);
    // 0 ("any free port") only for metrics: the processes find each other by these ports.
    const anyPort = launch({ ...env, ORDER_PORT: "0" });
    expect(await anyPort.exited).toBe(1);
    expect(anyPort.output().trim().split("\n")).toEqual([
      expect.stringMatching(/^PolyScale cannot start: invalid configuration: ORDER_PORT: must be between 1 and 65535/),
    ]);
    const seeding = await seed({ ...env, EMBEDDED_DATABASE_PORT: "abc" });
    expect(seeding.status).toBe(1);
    expect(seeding.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^npm run seed cannot run: invalid configuration: EMBEDDED_DATABASE_PORT: /) as unknown,
    ]);
  });
});
