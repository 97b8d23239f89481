import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, DataDirInUseError, databaseLocation } from "./data-dir-lock.js";

const dataDirs: string[] = [];
const freshDataDir = () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-lock-"));
  dataDirs.push(dataDir);
  return dataDir;
};
const plantLock = (dataDir: string, holder: object) =>
  writeFileSync(path.join(dataDir, "polyscale.lock"), JSON.stringify(holder));
const lockedBy = (dataDir: string) =>
  (JSON.parse(readFileSync(path.join(dataDir, "polyscale.lock"), "utf8")) as { pid: number }).pid;

/** This process's parent's start time (/proc/<pid>/stat field 22): the parent stands for a live holder. */
const parentStart = readFileSync(`/proc/${process.ppid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];

afterEach(() => {
  for (const dataDir of dataDirs.splice(0)) rmSync(dataDir, { recursive: true, force: true });
});

describe("acquireDataDirLock", () => {
  it("refuses a DATA_DIR held by a live process, naming it", () => {
    const dataDir = freshDataDir();
    // This process's parent stands for the running launcher: its pid and its start time.
    plantLock(dataDir, { pid: process.ppid, command: "npm start", startedAt: "then", processStartTime: parentStart });
    expect(() => acquireDataDirLock(dataDir, "npm run seed")).toThrow(DataDirInUseError);
    expect(() => acquireDataDirLock(dataDir, "npm run seed")).toThrow(
      `\`npm start\` (pid ${process.ppid}, since then) is already running on DATA_DIR ${dataDir}: stop it first ` +
        `(Ctrl-C in its terminal, or kill ${process.ppid}), or run this one with another DATA_DIR and other ports`,
    );
  });

  it("tells a start beside a running seed to wait for it", () => {
    const dataDir = freshDataDir();
    plantLock(dataDir, {
      pid: process.ppid,
      command: "npm run seed",
      startedAt: "then",
      processStartTime: parentStart,
    });
    expect(() => acquireDataDirLock(dataDir, "npm start")).toThrow(
      `\`npm run seed\` (pid ${process.ppid}, since then) is already running on DATA_DIR ${dataDir}: wait for it ` +
        `to finish, or stop it (Ctrl-C in its terminal, or kill ${process.ppid})`,
    );
  });

  it("regression: takes over a lock naming its own pid (a container restarted after kill -9, pids repeat)", () => {
    // Seen: "already running … (pid 13)" where 13 was the new launcher itself.
    const dataDir = freshDataDir();
    plantLock(dataDir, { pid: process.pid, command: "npm start", startedAt: "before the restart" });
    const lock = acquireDataDirLock(dataDir, "npm start");
    expect(lockedBy(dataDir)).toBe(process.pid);
    lock.release();
  });

  it("regression: takes over a lock naming a live pid that an unrelated process got since", () => {
    // The pid is alive, but its start time is not the one the holder wrote: another process reuses the pid.
    const dataDir = freshDataDir();
    plantLock(dataDir, { pid: process.ppid, command: "npm start", startedAt: "then", processStartTime: "1" });
    const lock = acquireDataDirLock(dataDir, "npm start");
    expect(lockedBy(dataDir)).toBe(process.pid);
    lock.release();
  });
});

describe("databaseLocation", () => {
  // Regression: `npm run seed` beside a system started on PRODUCT_DATABASE_URL=postgres://…@127.0.0.1/product, given
  // postgres://…@localhost/product (the same server), was refused as writing where the system does not read.
  it.each([
    "postgres://shop:secret@127.0.0.1:5432/product",
    "postgresql://other@localhost/product",
    "postgres://shop@LOCALHOST.:5432/product",
    "postgres://shop@[::1]/product",
    "postgres://shop@[0:0:0:0:0:0:0:1]:5432/product",
    "postgres://shop@127.1/product",
    "postgres://shop@db.localhost/product",
    "postgres:///product",
  ])("takes %s for the product database on this machine's loopback", (url) => {
    expect(databaseLocation(url)).toBe("postgres://localhost:5432/product");
  });

  it.each([
    ["another loopback address", "postgres://shop@127.0.0.2/product"],
    ["another host", "postgres://shop@db.example.com/product"],
    ["another port", "postgres://shop@localhost:5433/product"],
    ["another database", "postgres://shop@localhost/products"],
  ])("tells %s apart", (_what, url) => {
    expect(databaseLocation(url)).not.toBe("postgres://localhost:5432/product");
  });

  it("keeps no credentials or options, and spells other hosts one way", () => {
    expect(databaseLocation("postgres://shop:secret@DB.Example.com.:6432/product?sslmode=require")).toBe(
      "postgres://db.example.com:6432/product",
    );
  });

  it("names the database after the user when the URL names none, as node-postgres does", () => {
    expect(databaseLocation("postgres://shop@127.0.0.1")).toBe("postgres://localhost:5432/shop");
  });

  it("keeps a Unix socket directory as written", () => {
    expect(databaseLocation("postgres:///product?host=/var/run/postgresql")).toBe(
      "postgres:///var/run/postgresql:5432/product",
    );
  });
});
