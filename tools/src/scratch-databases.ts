import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/**
 * Scratch databases on a PostgreSQL server, for tests and the benchmark: each run works in databases of its own, so
 * runs can share a server.
 */

/** Creates an empty database on the server adminUrl names (polyscale_test_<pid>_<random>), and returns its URL. */
export async function createScratchDatabase(adminUrl: string): Promise<string> {
  const name = `polyscale_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database url names (a scratch one), closing its connections first. */
export async function dropScratchDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * A new temporary folder holding the outbox table's migrations (every migration named `*_event_outbox*.sql`; every
 * service's copy is the same, the order service's is taken), for a scratch database that needs only the outbox. The
 * caller removes the folder.
 */
export function outboxMigrations(): string {
  const source = fileURLToPath(new URL("../../services/order/sql/", import.meta.url));
  const folder = mkdtempSync(path.join(tmpdir(), "polyscale-outbox-sql-"));
  for (const migration of readdirSync(source).filter((name) => name.includes("_event_outbox"))) {
    copyFileSync(path.join(source, migration), path.join(folder, migration));
  }
  return folder;
}
