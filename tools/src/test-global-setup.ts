/**
 * vitest global setup: unless TEST_DATABASE_URL names a server, start ONE embedded PostgreSQL for the whole test run
 * (a free port, a temporary directory deleted when it stops) and name it in TEST_DATABASE_URL for every test file.
 * Several runs on one machine each get their own server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./ports.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-test-postgres-"));
  let server: EmbeddedPostgres | undefined;
  // A free port can be taken between the probe and PostgreSQL's bind by another run; then try another one.
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await startEmbeddedPostgres({ dataDir, port: await freePort(), temporary: true });
    } catch (error) {
      if (attempt === 3 || !/address already in use/i.test((error as Error).message)) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // Test workers are forked after global setup and inherit this environment.
  process.env.TEST_DATABASE_URL = server.adminUrl;
  return () => server.stop();
}
