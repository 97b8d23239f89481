/**
 * The embedded PostgreSQL's first start (initdb) on a real cluster: what it leaves outside its DATA_DIR.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { freePort } from "./ports.js";

const made: string[] = [];
const savedTmpdir = process.env.TMPDIR;
afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("the embedded PostgreSQL's initdb", () => {
  // Seen: embedded-postgres writes the postgres user's password for initdb into the shared temporary directory, mode
  // 0644 (any local user could read it meanwhile), and left it there for good when initdb could not be run (a clone
  // under /root, as root).
  it("regression: writes the password for initdb nowhere but beside the cluster, and leaves nothing there", async () => {
    const shared = mkdtempSync(path.join(tmpdir(), "polyscale-shared-tmp-"));
    const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-initdb-"));
    made.push(shared, dataDir);
    // The shared temporary directory (as /tmp: everyone may write, sticky), as the process running initdb finds it.
    chmodSync(shared, 0o1777);
    process.env.TMPDIR = shared;
    const written: string[] = [];
    const watcher = watch(shared, (_event, file) => written.push(String(file)));
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), temporary: true });
    try {
      expect(written).toEqual([]);
      expect(readdirSync(dataDir).sort()).toEqual(["postgres", "postgres.password"]);
      expect(existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
    } finally {
      watcher.close();
      await server.stop();
    }
  });
});
