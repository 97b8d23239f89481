import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "./database.js";
import { migrate } from "./migrations.js";
import { databaseBackends } from "@polyscale/tools/testing";
import { createScratchDatabase, dropScratchDatabase } from "@polyscale/tools/scratch-databases";

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "migrations-"));
  await writeFile(path.join(directory, "001_things.sql"), "CREATE TABLE things (id int PRIMARY KEY, n bigint);");
  await writeFile(
    path.join(directory, "002_more.sql"),
    "ALTER TABLE things ADD COLUMN label text; INSERT INTO things VALUES (1, 9007199254740991, 'max safe');",
  );
  await writeFile(path.join(directory, "README.md"), "not a migration");
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe.each(databaseBackends().map((backend) => [backend.name, backend] as const))("migrate on %s", (_, backend) => {
  it("applies pending files in order once, and int8 reads back as a number", async () => {
    const { database, close } = await backend.open(directory);
    try {
      // backend.open already migrated: a second run finds nothing to do.
      expect(await migrate(database, directory)).toEqual([]);
      const versions = await database.query("SELECT version, name FROM schema_migrations ORDER BY version");
      expect(versions.rows).toEqual([
        { version: 1, name: "001_things.sql" },
        { version: 2, name: "002_more.sql" },
      ]);
      expect((await database.query("SELECT n, label FROM things")).rows).toEqual([
        { n: 9007199254740991, label: "max safe" },
      ]);
    } finally {
      await close();
    }
  });

  it("rolls back a transaction whose function throws", async () => {
    const { database, close } = await backend.open(directory);
    try {
      await expect(
        database.transaction(async (tx) => {
          await tx.query("INSERT INTO things VALUES (2, 2, 'doomed')");
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect((await database.query("SELECT count(*) AS n FROM things")).rows[0]).toEqual({ n: 1 });
    } finally {
      await close();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("migrate on postgres from several processes at once", () => {
  it("applies each migration exactly once", async () => {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const url = await createScratchDatabase(adminUrl);
    const replicas = await Promise.all(Array.from({ length: 5 }, () => Database.open({ url, poolSize: 2 })));
    try {
      const applied = await Promise.all(replicas.map((replica) => migrate(replica, directory)));
      expect(applied.flat().sort()).toEqual([1, 2]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await dropScratchDatabase(adminUrl, url);
    }
  });
});

describe.each(databaseBackends().map((backend) => [backend.name, backend] as const))("database on %s", (_, backend) => {
  it("stays usable after a statement fails", async () => {
    const { database, close } = await backend.open(directory);
    try {
      await expect(database.query("INSERT INTO things VALUES (1, 1, 'duplicate')")).rejects.toMatchObject({
        code: "23505",
      });
      expect((await database.query("SELECT count(*) AS n FROM things")).rows[0]).toEqual({ n: 1 });
    } finally {
      await close();
    }
  });
});
