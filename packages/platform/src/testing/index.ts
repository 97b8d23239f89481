/**
 * Helpers for tests only (imported as @polyscale/platform/testing): the database backends every repository test
 * runs against, and free ports for end-to-end tests.
 */
import { createServer } from "node:net";
import pg from "pg";
import type { Extensions } from "@electric-sql/pglite";
import { Database } from "../database.js";
import { migrate } from "../migrations.js";

export interface DatabaseBackend {
  name: "pglite" | "postgres";
  /** A fresh, empty, migrated database; close it with close(). */
  open(migrationsDir: string, pgliteExtensions?: Extensions): Promise<TestDatabase>;
}

export interface TestDatabase {
  database: Database;
  /** Set for PostgreSQL: the URL of this fresh database, for starting a service process on it. */
  url?: string;
  close(): Promise<void>;
}

/**
 * PGlite always; real PostgreSQL too when TEST_DATABASE_URL is set. Use with describe.each so every storage test
 * proves the same behaviour on both engines.
 */
export function databaseBackends(): DatabaseBackend[] {
  const backends: DatabaseBackend[] = [
    {
      name: "pglite",
      async open(migrationsDir, pgliteExtensions) {
        const database = await Database.open({ pgliteExtensions });
        await migrate(database, migrationsDir);
        return { database, close: () => database.close() };
      },
    },
  ];
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    backends.push({
      name: "postgres",
      async open(migrationsDir) {
        const url = await createScratchDatabase(adminUrl);
        const database = await Database.open({ url, poolSize: 20 });
        await migrate(database, migrationsDir);
        return {
          database,
          url,
          async close() {
            await database.close();
            await dropScratchDatabase(adminUrl, url);
          },
        };
      },
    });
  }
  return backends;
}

/** Creates an empty database beside the one TEST_DATABASE_URL names, and returns its URL. */
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

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export { startNatsServer, type TestNatsServer } from "./nats.js";
