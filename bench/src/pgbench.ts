import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What pgbench printed that we report. */
export interface PgbenchResult {
  transactionsPerSecond: number;
  averageLatencyMs: number;
  failedTransactions: number;
}

/** Reads tps, average latency and failed transactions from pgbench's summary. */
export function parsePgbenchOutput(output: string): PgbenchResult {
  const tps = /^tps = ([\d.]+) \(without initial connection time\)$/m.exec(output);
  const latency = /^latency average = ([\d.]+) ms$/m.exec(output);
  const failed = /^number of failed transactions: (\d+)/m.exec(output);
  if (!tps || !latency) throw new Error(`unexpected pgbench output:\n${output.slice(0, 2000)}`);
  return {
    transactionsPerSecond: Number(tps[1]),
    averageLatencyMs: Number(latency[1]),
    failedTransactions: failed ? Number(failed[1]) : 0,
  };
}

/** pgbench's version line, or undefined when it is not installed. */
export async function pgbenchVersion(): Promise<string | undefined> {
  try {
    return (await run("pgbench", ["--version"])).stdout.trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs `sql` — a statement with one `$1` — under pgbench at the given concurrency, with `$1` taken at random from
 * `values` for every transaction. pgbench has no string variables, so each value gets its own one-line script of
 * equal weight and pgbench picks a script at random per transaction (it accepts at most 128 scripts). The extended
 * protocol (parse, bind, execute per statement) is what node-postgres uses for a parameterised query.
 */
export async function runPgbench(options: {
  databaseUrl: string;
  sql: string;
  values: string[];
  clients: number;
  threads: number;
  seconds: number;
}): Promise<PgbenchResult> {
  if (options.values.length === 0 || options.values.length > 128) throw new Error("pgbench needs 1 to 128 values");
  const directory = await mkdtemp(path.join(tmpdir(), "polyscale-pgbench-"));
  try {
    const scripts: string[] = [];
    for (const [index, value] of options.values.entries()) {
      const file = path.join(directory, `point-read-${index}.sql`);
      await writeFile(file, `${options.sql.replace("$1", `'${value.replaceAll("'", "''")}'`)};\n`);
      scripts.push("-f", `${file}@1`);
    }
    const url = new URL(options.databaseUrl);
    const { stdout } = await run(
      "pgbench",
      [
        "--no-vacuum",
        "--protocol=extended",
        `--client=${options.clients}`,
        `--jobs=${Math.min(options.threads, options.clients)}`,
        `--time=${options.seconds}`,
        `--host=${url.hostname}`,
        `--port=${url.port || "5432"}`,
        `--username=${decodeURIComponent(url.username) || "postgres"}`,
        ...scripts,
        decodeURIComponent(url.pathname.slice(1)),
      ],
      {
        env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) || process.env.PGPASSWORD },
        timeout: (options.seconds + 60) * 1000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return parsePgbenchOutput(stdout);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
