/**
 * Helpers for tests only (imported as @polyscale/tools/testing; never compiled into dist/, vitest loads the
 * TypeScript): the database every repository and end-to-end test runs against, NATS streams, an SMTP server and
 * certificates, the typed GraphQL and REST client of the gateway (http.ts), beside the free ports (ports.ts) and the
 * NATS server (nats-server.ts) they and the tests use.
 */
// The built platform, as every test imports it: one Database class, not a second from src/.
import { Database, migrate } from "@polyscale/platform";
import { createScratchDatabase, dropScratchDatabase } from "../scratch-databases.js";

export interface DatabaseBackend {
  name: "postgres";
  /** A fresh, empty, migrated database; close it with close(). */
  open(migrationsDir: string): Promise<TestDatabase>;
}

export interface TestDatabase {
  database: Database;
  /** The URL of this fresh database, for starting a service process on it. */
  url: string;
  /** A property, not a method: tests destructure it (`const { database, close } = await backend.open(...)`). */
  close: () => Promise<void>;
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

export { readStream, type StreamedEvent } from "./nats.js";
export { startSmtpServer, type TestSmtpServer } from "./smtp.js";
export { makeTestCertificates } from "./certificates.js";
export { expectOneLineStartFailure, runFailedStart, type FailedStart } from "./start-failure.js";
export { berlinAddress } from "./addresses.js";
export {
  answerOf,
  dataOf,
  gatewayClients,
  graphqlCall,
  restCall,
  type GraphQLAnswer,
  type GraphQLError,
  type GraphQLOptions,
  type RestAnswer,
  type RestErrorBody,
  type RestOptions,
} from "./http.js";
