import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, isConnectionFault } from "./database.js";
import { AppError } from "./errors.js";
import { databaseBackends } from "@polyscale/tools/testing";

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "database-"));
  await writeFile(
    path.join(directory, "001_hits.sql"),
    "CREATE TABLE hits (id bigserial PRIMARY KEY, n int NOT NULL);",
  );
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("isConnectionFault", () => {
  it("tells a lost connection from a failed statement", () => {
    expect(isConnectionFault(Object.assign(new Error("terminating connection"), { code: "57P01" }))).toBe(true);
    expect(isConnectionFault(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isConnectionFault(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionFault(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isConnectionFault(Object.assign(new Error("syntax error"), { code: "42601" }))).toBe(false);
  });
});

describe.each(databaseBackends().map((backend) => [backend.name, backend] as const))("Database on %s", (_, backend) => {
  // Seen: pg_terminate_backend under light traffic made the product and order services exit ("uncaught error").
  it("regression: survives its connections being terminated under concurrent traffic, answering UNAVAILABLE", async () => {
    const { url, close } = await backend.open(directory);
    const database = await Database.open({ url, poolSize: 4 });
    // The terminator runs on its own connection to the same database and spares only itself.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const outcomes = { ok: 0, unavailable: 0, other: [] as unknown[] };
    let running = true;
    const record = (promise: Promise<unknown>) =>
      promise.then(
        () => void outcomes.ok++,
        (error: unknown) => {
          if (error instanceof AppError && error.code === "UNAVAILABLE") outcomes.unavailable++;
          else outcomes.other.push(error);
        },
      );
    const worker = async (n: number) => {
      while (running) {
        await record(database.query("SELECT pg_sleep(0.005), $1::int AS n", [n]));
        await record(
          database.transaction(async (tx) => {
            await tx.query("INSERT INTO hits (n) VALUES ($1)", [n]);
            await tx.query("SELECT pg_sleep(0.005)");
          }),
        );
      }
    };
    try {
      const workers = Array.from({ length: 8 }, (_, n) => worker(n));
      for (let round = 0; round < 15; round++) {
        await sleep(60);
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
      }
      running = false;
      await Promise.all(workers);
      expect(outcomes.other).toEqual([]);
      expect(outcomes.unavailable).toBeGreaterThan(0);
      expect(outcomes.ok).toBeGreaterThan(0);
      // Broken connections were discarded: every later statement succeeds on a fresh one.
      const after = await Promise.all(
        Array.from({ length: 20 }, (_, n) => database.query<{ n: number }>("SELECT $1::int AS n", [n])),
      );
      expect(after.map((result) => result.rows[0]?.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    } finally {
      running = false;
      await admin.end();
      await database.close();
      await close();
    }
  }, 60_000);

  it("separatePool reaches the same database while every connection of the first pool is taken", async () => {
    const { url, close } = await backend.open(directory);
    const database = await Database.open({ url, poolSize: 1 });
    const separate = database.separatePool(1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      const busy = database.transaction(() => held);
      await separate.query("INSERT INTO hits (n) VALUES (7)");
      expect((await separate.query<{ n: number }>("SELECT n FROM hits")).rows).toEqual([{ n: 7 }]);
      release();
      await busy;
      expect((await database.query<{ n: number }>("SELECT n FROM hits")).rows).toEqual([{ n: 7 }]);
    } finally {
      release();
      await separate.close();
      await database.close();
      await close();
    }
  });
});
