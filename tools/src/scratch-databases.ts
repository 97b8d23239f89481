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
