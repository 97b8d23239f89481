import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Database } from "./database.js";

const MIGRATION_FILE = /^(\d+)_([\w-]+)\.sql$/;
// Any constant will do; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Applies the numbered SQL files in a directory (001_init.sql, 002_…) that the database has not seen yet, in order,
 * all in one transaction. An advisory lock lets several replicas start at once: one migrates, the others wait.
 * Returns the versions applied.
 */
export async function migrate(database: Database, directory: string): Promise<number[]> {
  const files = (await readdir(directory))
    .map((name) => ({ name, match: MIGRATION_FILE.exec(name) }))
    .filter((file) => file.match !== null)
    .map((file) => ({ name: file.name, version: Number(file.match![1]) }))
    .sort((a, b) => a.version - b.version);
  const versions = files.map((file) => file.version);
  if (new Set(versions).size !== versions.length) throw new Error(`two migrations share a number in ${directory}`);

  return database.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const applied = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((row) => row.version),
    );
    const pending = files.filter((file) => !applied.has(file.version));
    for (const file of pending) {
      await tx.query(await readFile(path.join(directory, file.name), "utf8"));
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [file.version, file.name]);
    }
    return pending.map((file) => file.version);
  });
}
