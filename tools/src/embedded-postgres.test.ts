import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

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
