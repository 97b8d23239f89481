/**
 * Helpers for tests only (imported as @polyscale/platform/testing): the database every repository and end-to-end
 * test runs against, and free ports for end-to-end tests.
 */
import { createServer } from "node:net";
import pg from "pg";
import { Database } from "../database.js";
import { migrate } from "../migrations.js";

export interface DatabaseBackend {
  name: "postgres";
  /** A fresh, empty, migrated database; close it with close(). */
  open(migrationsDir: string): Promise<TestDatabase>;
}

export interface TestDatabase {
  database: Database;
  /** The URL of this fresh database, for starting a service process on it. */
  url: string;
  close(): Promise<void>;
}

/**
 * The PostgreSQL server of this test run: TEST_DATABASE_URL when set, otherwise the embedded server the vitest global
 * setup (tools/src/test-global-setup.ts) started for the run and named in the same variable.
 */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is unset: run the tests with vitest, whose global setup provides it");
  return url;
}

/**
 * The engines every storage test runs on, for describe.each: one, PostgreSQL (the server of testDatabaseUrl()), each
 * test file on scratch databases of its own so that files and concurrent test runs never see each other's rows.
 */
export function databaseBackends(): DatabaseBackend[] {
  return [
    {
      name: "postgres",
      async open(migrationsDir) {
        const adminUrl = testDatabaseUrl();
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
    },
  ];
}

/**
 * One fresh, empty database per name on the test server (testDatabaseUrl()), e.g. one per service of a system under
 * test, and drop() to remove them all.
 */
export async function createScratchDatabases<Name extends string>(
  names: readonly Name[],
): Promise<{ urls: Record<Name, string>; drop(): Promise<void> }> {
  const adminUrl = testDatabaseUrl();
  const urls = {} as Record<Name, string>;
  const drop = async () => {
    for (const url of Object.values<string>(urls)) await dropScratchDatabase(adminUrl, url);
  };
  try {
    for (const name of names) urls[name] = await createScratchDatabase(adminUrl);
  } catch (error) {
    await drop();
    throw error;
  }
  return { urls, drop };
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

export { readStream, startNatsServer, type StreamedEvent, type TestNatsServer } from "./nats.js";
export { startSmtpServer, type TestSmtpServer } from "./smtp.js";
export { makeTestCertificates } from "./certificates.js";
