/**
 * `npm run bench [-- --quick]`: starts the whole system on real PostgreSQL (or the embedded engine when no server
 * answers), seeds it, and measures every scenario in interleaved rounds. Progress goes to stderr, the markdown report
 * to stdout, the raw figures, report and chart to bench/results/. Exits non-zero when an integrity check fails.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import path from "node:path";
import { accountSettings } from "@polyscale/account/config";
import { createAccountClient, Role } from "@polyscale/account";
import { createOrderClient } from "@polyscale/order";
import { Database, readConfig } from "@polyscale/platform";
import { createProductClient } from "@polyscale/product";
import { repositoryRoot } from "@polyscale/tools/system";
import { chooseStorage, startBenchSystem, type BenchSystem } from "./bench-system.js";
import type { BenchContext } from "./context.js";
import { graphql } from "./gateway-http.js";
import { pgbenchVersion } from "./pgbench.js";
import { renderMarkdown, writeReport, type BenchReport } from "./report.js";
import { idleResidentBytes, runRounds } from "./rounds.js";
import { parseArguments, type BenchSettings } from "./settings.js";
import { integrityChecks } from "./integrity.js";
import { summarize } from "./summary.js";
import { judgeTargets } from "./targets.js";
import { measureStartup, startupTargets } from "./scenarios/startup.js";
import { measureObservabilityCost, observabilityTargets } from "./scenarios/observability-cost.js";
import { measureRelevance } from "./scenarios/relevance.js";

const CALL_DEADLINE_MS = 10_000;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let settings: BenchSettings;
try {
  settings = parseArguments(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const LOGIN_MUTATION = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken }
}`;

/** Ids of `count` products spread over the catalogue (a few pages at different offsets). */
async function spreadProductIds(
  context: Pick<BenchContext, "product">,
  products: number,
  count: number,
): Promise<string[]> {
  const pages = 5;
  const perPage = Math.ceil(count / pages);
  const ids = new Set<string>();
  for (let page = 0; page < pages && ids.size < count; page++) {
    const skip = Math.min(Math.floor((page * products) / pages), Math.max(0, products - perPage));
    const { products: found } = await context.product.listProducts({ skip, take: perPage });
    for (const product of found) ids.add(product.id);
  }
  return [...ids].slice(0, count);
}

/** Typed clients of the running system's services, with its gateway URL. */
function connect(system: BenchSystem["system"]) {
  const account = createAccountClient({ address: system.addresses.account, deadlineMs: CALL_DEADLINE_MS });
  const product = createProductClient({ address: system.addresses.product, deadlineMs: CALL_DEADLINE_MS });
  const order = createOrderClient({ address: system.addresses.order, deadlineMs: CALL_DEADLINE_MS });
  return {
    gatewayUrl: system.gatewayUrl,
    account,
    product,
    order,
    close() {
      for (const client of [account, product, order]) client.close();
    },
  };
}

async function prepare(bench: BenchSystem): Promise<BenchContext> {
  const { system, storage } = bench;
  const { account, product, order } = connect(system);
  const admin = readConfig({ email: accountSettings.adminEmail, password: accountSettings.adminPassword });
  const { data } = await graphql<{ login: { accessToken: string } }>(system.gatewayUrl, LOGIN_MUTATION, admin);
  const buyerIds = await Promise.all(
    Array.from({ length: settings.buyers }, async (_, index) => {
      const created = await account.createAccount({
        name: `Bench buyer ${index + 1}`,
        email: "",
        password: "",
        role: Role.ROLE_CUSTOMER,
      });
      return created.account!.id;
    }),
  );
  const productDatabaseUrl = storage.databaseUrls.product;
  const pgbench = productDatabaseUrl ? await pgbenchVersion() : undefined;
  if (productDatabaseUrl && !pgbench) log("pgbench is not installed: its point-read row is skipped");
  return {
    settings,
    gatewayUrl: system.gatewayUrl,
    account,
    product,
    order,
    pointReadIds: await spreadProductIds({ product }, settings.products, settings.pointReadIds),
    productDatabaseUrl,
    productDatabase: productDatabaseUrl ? await Database.open({ url: productDatabaseUrl, poolSize: 1 }) : undefined,
    pgbenchVersion: pgbench,
    adminToken: data.login.accessToken,
    buyerIds,
    cores: availableParallelism(),
  };
}

async function main(): Promise<number> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0]!;
  const storage = await chooseStorage({ embedded: settings.embedded });
  log(
    `${storage.engine === "embedded" ? "embedded " : ""}PostgreSQL ${storage.serverVersion}: one scratch database per service`,
  );
  log(`seeding ${settings.products.toLocaleString("en-US")} products and starting the system`);
  log("timing npm start (first on a fresh clone, then warm) and its idle memory");
  const startup = await measureStartup();
  const bench = await startBenchSystem({ storage, products: settings.products });
  let context: BenchContext | undefined;
  let stopped: Promise<void> | undefined;
  // Once only, whether Ctrl-C or the end of the run comes first.
  const stop = () =>
    (stopped ??= (async () => {
      for (const client of [context?.account, context?.product, context?.order]) client?.close();
      await context?.productDatabase?.close();
      await bench.stop();
    })());
  process.once("SIGINT", () => void stop().finally(() => process.exit(130)));
  try {
    const idle = await idleResidentBytes(bench.pids);
    context = await prepare(bench);
    const raw = await runRounds(context, bench.pids, idle, log);
    log("relevance: the relevance suite's catalogue and judged queries through a product service of its own");
    raw.relevance = await measureRelevance(storage.adminUrl);
    const observability = await measureObservabilityCost(bench, context, () => connect(bench.system), log);
    const summary = summarize(raw);
    const report: BenchReport = {
      environment: {
        startedAt,
        mode: settings.mode,
        storage: storage.engine === "postgres" ? "PostgreSQL" : "embedded PostgreSQL",
        postgresVersion: storage.serverVersion,
        pgbenchVersion: context.pgbenchVersion,
        node: process.version,
        cores: context.cores,
        cpuModel: cpus()[0]?.model ?? "unknown",
        loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0]! },
        settings,
      },
      summary,
      targets: [
        ...judgeTargets(summary, settings.products),
        ...observabilityTargets(observability),
        ...startupTargets(startup),
      ],
      integrity: integrityChecks(raw),
      raw,
      startup,
      observability,
    };
    const markdown = renderMarkdown(report);
    process.stdout.write(markdown);
    const written = await writeReport(path.join(repositoryRoot, "bench/results"), report, markdown);
    log(`raw figures: ${path.relative(process.cwd(), written)} (and latest.json, latest.md, latest.svg)`);
    const failed = report.integrity.filter((check) => !check.passed);
    for (const check of failed) log(`INTEGRITY CHECK FAILED: ${check.check}: ${check.detail}`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await stop();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
