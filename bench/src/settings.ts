/** How big and how long each scenario runs: `--quick` for CI (about 6 minutes on 2 cores), the full mode for people. */
export interface BenchSettings {
  mode: "quick" | "full";
  /** Run on the embedded engine even when a PostgreSQL server answers. */
  embedded: boolean;
  /** Products seeded before the product service starts (search runs over these). */
  products: number;
  /** Interleaved rounds: every scenario runs once per round, so drift over time affects all paths alike. */
  rounds: number;
  warmupSeconds: number;
  /** Point reads: the same concurrency for the gateway, direct gRPC and pgbench. */
  pointReadConcurrency: number;
  pointReadSeconds: number;
  /** Products whose ids point reads pick from (pgbench allows at most 128 scripts, one per id). */
  pointReadIds: number;
  /** Sequential calls per path when measuring the cost of one gRPC hop. */
  hopCalls: number;
  searchClients: number;
  searchSeconds: number;
  buyers: number;
  hotProducts: number;
  stockPerHotProduct: number;
  /** Sequential nested listing queries through the gateway. */
  listingQueries: number;
  /** Upper bound on any one timed loop, on top of its own count bound. */
  maxLoopSeconds: number;
}

const quick: BenchSettings = {
  mode: "quick",
  embedded: false,
  products: 2_000,
  rounds: 2,
  warmupSeconds: 1,
  pointReadConcurrency: 16,
  pointReadSeconds: 1,
  pointReadIds: 100,
  hopCalls: 300,
  searchClients: 10,
  searchSeconds: 1,
  buyers: 50,
  hotProducts: 10,
  stockPerHotProduct: 5,
  listingQueries: 10,
  maxLoopSeconds: 20,
};

const full: BenchSettings = {
  mode: "full",
  embedded: false,
  products: 100_000,
  // Five, so the memory check compares the floor of three rounds with that of two (see floorGrowthPercent).
  rounds: 5,
  warmupSeconds: 5,
  pointReadConcurrency: 16,
  pointReadSeconds: 10,
  pointReadIds: 100,
  hopCalls: 3_000,
  searchClients: 10,
  searchSeconds: 10,
  buyers: 50,
  hotProducts: 10,
  stockPerHotProduct: 20,
  listingQueries: 100,
  maxLoopSeconds: 120,
};

export const usage = `usage: npm run bench -- [--quick] [--embedded] [--products N] [--rounds N]
  --quick        every scenario at small sizes, about 6 minutes on 2 cores (what CI runs)
  --embedded     use the embedded PostgreSQL (as npm start does) even when a PostgreSQL server answers
  --products N   products to seed (default: 2000 quick, 100000 full)
  --rounds N     interleaved rounds (default: 2 quick, 5 full)
Environment: BENCH_DATABASE_URL (PostgreSQL admin URL; default: a local server at 127.0.0.1:5432 if one answers,
else the embedded engine), LOG_LEVEL of the processes (default warn).`;

function positiveInteger(flag: string, raw: string | undefined, max: number): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new Error(`${flag} needs a whole number from 1 to ${max}\n${usage}`);
  }
  return Number(raw);
}

/** Reads the command line; throws with the usage text on anything it does not know. */
export function parseArguments(args: readonly string[]): BenchSettings {
  let settings = full;
  const overrides: Partial<BenchSettings> = {};
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === "--quick") settings = quick;
    else if (arg === "--embedded") overrides.embedded = true;
    else if (arg === "--products") overrides.products = positiveInteger(arg, args[++index], 10_000_000);
    else if (arg === "--rounds") overrides.rounds = positiveInteger(arg, args[++index], 100);
    else throw new Error(`unknown argument "${arg}"\n${usage}`);
  }
  // Point reads pick from pointReadIds seeded products, so at least that many must exist.
  const products = Math.max(overrides.products ?? settings.products, settings.pointReadIds);
  return { ...settings, ...overrides, products };
}

/**
 * The number after `--<name>` on the command line of a scenario run as a program of its own (events-lag,
 * reservation-lag), or fallback when the flag is absent.
 */
export function scenarioFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}
