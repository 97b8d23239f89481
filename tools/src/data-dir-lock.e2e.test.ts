/**
 * DATA_DIR's lock taken by several processes at once, as two `npm start` (or a start and a seed) launched together
 * after the last holder died: exactly one may win.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const lockModule = fileURLToPath(new URL("../dist/data-dir-lock.js", import.meta.url));
const CONTENDERS = 8;
const ROUNDS = 5;

/**
 * A process that waits for the wall clock to reach `goAt` (so that all contenders try at the same moment), then tries
 * to take the lock; it prints "won" and holds the lock until its stdin closes, or prints why it lost and exits.
 */
const contender = `
  import { acquireDataDirLock } from ${JSON.stringify(lockModule)};
  const [dataDir, goAt] = process.argv.slice(1);
  while (Date.now() < Number(goAt));
  try {
    const lock = acquireDataDirLock(dataDir, "npm start");
    console.log("won");
    process.stdin.on("end", () => { lock.release(); process.exit(0); }).resume();
  } catch (error) {
    console.log("lost: " + error.message);
  }
`;

const dataDirs: string[] = [];
afterEach(() => {
  for (const dataDir of dataDirs.splice(0)) rmSync(dataDir, { recursive: true, force: true });
});

describe("DATA_DIR lock taken by several processes at once", () => {
  it("regression: after a stale lock exactly one of eight simultaneous starts takes it, the others name it", async () => {
    // The holder of the stale lock: a process that has exited, so its pid names no live process.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    for (let round = 1; round <= ROUNDS; round++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-lock-race-"));
      dataDirs.push(dataDir);
      writeFileSync(
        path.join(dataDir, "polyscale.lock"),
        JSON.stringify({ pid: dead, command: "npm start", startedAt: "before a kill -9" }),
      );
      // Late enough for all eight to be running and waiting on a busy machine.
      const goAt = Date.now() + 3_000;
      const children = Array.from({ length: CONTENDERS }, () =>
        spawn(process.execPath, ["--input-type=module", "-e", contender, dataDir, String(goAt)]),
      );
      const exited = children.map((child) => new Promise((done) => child.once("exit", done)));
      const outcomes = await Promise.all(
        children.map(
          (child) =>
            new Promise<{ pid: number; said: string }>((resolve) => {
              let said = "";
              child.stdout.on("data", (chunk: Buffer) => {
                said += chunk.toString();
                if (said.includes("\n")) resolve({ pid: child.pid!, said: said.trim() });
              });
              child.once("exit", () => resolve({ pid: child.pid!, said: said.trim() }));
            }),
        ),
      );
      const winners = outcomes.filter((outcome) => outcome.said === "won");
      try {
        expect(winners, `round ${round}: ${JSON.stringify(outcomes)}`).toHaveLength(1);
        for (const outcome of outcomes.filter((other) => other !== winners[0])) {
          expect(outcome.said).toContain(`\`npm start\` (pid ${winners[0]!.pid}, since `);
          expect(outcome.said).toContain(`is already running on DATA_DIR ${dataDir}: stop it first`);
        }
      } finally {
        for (const child of children) child.stdin.end();
        await Promise.all(exited);
      }
    }
  });
});
