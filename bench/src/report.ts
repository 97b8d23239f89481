import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RoundsResult } from "./rounds.js";
import type { BenchSettings } from "./settings.js";
import type { IntegrityCheck } from "./integrity.js";
import type { Summary } from "./summary.js";
import type { TargetRow } from "./targets.js";
import { renderChart } from "./chart.js";
import type { StartupResult } from "./scenarios/startup.js";
import type { ObservabilityCost } from "./scenarios/observability-cost.js";

/** Where and on what the run happened, printed above the tables and stored with the figures. */
export interface RunEnvironment {
  startedAt: string;
  mode: BenchSettings["mode"];
  storage: string;
  postgresVersion?: string;
  pgbenchVersion?: string;
  node: string;
  cores: number;
  cpuModel: string;
  /**
   * 1-minute load average when the run started (other work only: above the core count, it competed with the run) and
   * when it ended (the run's own processes included).
   */
  loadAverage: { atStart: number; atEnd: number };
  settings: BenchSettings;
}

export interface BenchReport {
  environment: RunEnvironment;
  summary: Summary;
  targets: TargetRow[];
  integrity: IntegrityCheck[];
  raw: RoundsResult;
  /** `npm start` timings and idle memory (scenarios/startup.ts). */
  startup?: StartupResult;
  /** Events and tracing against a baseline (scenarios/observability-cost.ts). */
  observability?: ObservabilityCost;
}

/** A number for the tables, or n/a when it could not be measured. */
const n = (value: number | undefined, digits = 1) =>
  value !== undefined && Number.isFinite(value)
    ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
const count = (value: number) => value.toLocaleString("en-US");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** One line per load run that had failures, with the first failure's message. */
function errorLines(raw: RoundsResult): string[] {
  return raw.rounds.flatMap((r) => {
    const runs: Array<[string, number, string | undefined]> = [
      ["point reads via the gateway", r.pointReads.gateway.errors, r.pointReads.gateway.firstError],
      ["point reads via gRPC", r.pointReads.grpc.errors, r.pointReads.grpc.firstError],
      ["pgbench", r.pointReads.pgbench?.failedTransactions ?? 0, "failed transactions"],
      ["search", r.search.overall.errors, r.search.overall.firstError],
      ["contended checkout (other than sold out)", r.checkout.unexpectedErrors, r.checkout.firstUnexpectedError],
    ];
    return runs
      .filter(([, failed]) => failed > 0)
      .map(([name, failed, first]) => `- round ${r.round}, ${name}: ${failed} failed (first: ${first ?? "unknown"})`);
  });
}

function environmentSection(env: RunEnvironment): string {
  const busy = env.loadAverage.atStart > env.cores;
  return [
    `- ${env.startedAt}; ${env.cores} cores (${env.cpuModel}); Node ${env.node}`,
    `- storage: ${[env.storage, env.postgresVersion].filter(Boolean).join(" ")}` +
      (env.pgbenchVersion ? `; ${env.pgbenchVersion}` : ""),
    `- ${count(env.settings.products)} products; ${env.settings.rounds} interleaved rounds; medians over rounds`,
    `- load average ${n(env.loadAverage.atStart, 2)} before the run, ${n(env.loadAverage.atEnd, 2)} at its end` +
      (busy ? " — **other work was keeping the cores busy: absolute figures are pessimistic**" : ""),
  ].join("\n");
}

function pointReadsSection(env: RunEnvironment, s: Summary): string[] {
  const pr = s.pointReads;
  const hop = s.grpcHop;
  const pgbenchLatency = Number.isFinite(pr.pgbenchAverageMs) ? `${n(pr.pgbenchAverageMs, 3)} (mean)` : "n/a";
  return [
    `## Point reads (${env.settings.pointReadConcurrency} concurrent clients, ` +
      `${env.settings.pointReadSeconds} s per path per round)`,
    table(
      ["path", "requests/s", "p50 ms", "p99 ms"],
      [
        ["GraphQL `products(id:)` via the gateway", n(pr.gatewayRps, 0), n(pr.gatewayP50), n(pr.gatewayP99)],
        ["gRPC GetProduct, direct", n(pr.grpcRps, 0), n(pr.grpcP50, 2), n(pr.grpcP99, 2)],
        ["the same SELECT under pgbench", n(pr.pgbenchRps, 0), pgbenchLatency, "n/a"],
      ],
    ),
    `Ratios: gateway ÷ gRPC = **${n(pr.gatewayOverGrpc, 2)}**, gRPC ÷ pgbench = **${n(pr.grpcOverPgbench, 2)}**.`,
    `## Cost of one gRPC hop (one client, one call at a time, ${env.settings.hopCalls} calls per path per round)`,
    table(
      ["path", "p50 ms", "p99 ms"],
      [
        ["gRPC GetProduct", n(hop.grpcP50, 3), n(hop.grpcP99, 3)],
        ["the same SELECT on a pool in the bench process", n(hop.inProcessP50, 3), n(hop.inProcessP99, 3)],
        ["difference at p50: the hop", n(hop.hopP50, 3), ""],
      ],
    ),
  ];
}

function searchSection(env: RunEnvironment, s: Summary): string[] {
  const search = s.search;
  return [
    `## Search (${env.settings.searchClients} concurrent clients over ${count(env.settings.products)} products)`,
    `Overall: ${n(search.rps, 0)} requests/s, p50 ${n(search.p50)} ms, p99 ${n(search.p99)} ms, ` +
      `p99.9 ${n(search.p999)} ms; ${n(search.overPointReads, 2)} × the point reads through the gateway in the same rounds. ` +
      `Relevance (PostgreSQL engine, relevance suite of the tests): mean NDCG@10 ${n(search.ndcg, 3)}.`,
    table(
      ["query kind", "p50 ms", "p99 ms", "mean matches"],
      Object.entries(search.byKind).map(([kind, k]) => [kind, n(k.p50), n(k.p99), n(k.meanMatches, 0)]),
    ),
  ];
}

function checkoutSection(env: RunEnvironment, raw: RoundsResult): string[] {
  const { buyers, hotProducts, stockPerHotProduct } = env.settings;
  const header = ["round", "orders", "refused (sold out)", "other errors", "orders/s", "p50 ms", "p99 ms"];
  const checks = ["oversold", "failed but reserved", "stock sum off", "unsold"];
  return [
    `## Contended checkout (${buyers} buyers, ${hotProducts} hot products × ${stockPerHotProduct} units, ` +
      "PlaceOrder via gRPC)",
    table(
      [...header, ...checks],
      raw.rounds.map(({ round, checkout: c }) => [
        ...[round, c.orders, c.refusals, c.unexpectedErrors].map(String),
        n(c.ordersPerSecond, 0),
        n(c.latency.p50),
        n(c.latency.p99),
        String(c.integrity.oversoldUnits),
        String(c.integrity.failedButReservedUnits),
        String(c.integrity.stockSumMismatchUnits),
        String(c.unsoldUnits),
      ]),
    ),
  ];
}

function observabilitySection(env: RunEnvironment, cost: ObservabilityCost): string[] {
  const names = {
    baseline: "baseline (no NATS_URL, tracing off)",
    events: "events published to JetStream",
    tracing: "tracing, 100 % sampled, OTLP to a local sink",
  };
  const skipped = Object.entries(cost.skipped).map(([name, why]) => `${name} not measured: ${why}.`);
  const percent = (value: number) => (Number.isFinite(value) ? `${n(value)} %` : "n/a");
  return [
    `## Cost of events and tracing (the system restarted per configuration; ` +
      `${cost.rounds.filter((r) => r.configuration === "baseline").length} rounds, the order reversed every other round)`,
    table(
      ["configuration", "checkout orders/s", "checkout p99 ms", "gateway point reads/s", "point-read p99 ms"],
      (Object.keys(names) as Array<keyof typeof names>).map((name) => {
        const c = cost.summary[name];
        return [
          names[name],
          n(c.checkoutOrdersPerSecond, 0),
          n(c.checkoutP99),
          n(c.pointReadsRps, 0),
          n(c.pointReadsP99),
        ];
      }),
    ),
    `Throughput below the same round's baseline: events, checkout ${percent(cost.eventsCheckoutCostPercent)}; ` +
      `tracing, checkout ${percent(cost.tracingCheckoutCostPercent)} and point reads ` +
      `${percent(cost.tracingPointReadsCostPercent)}. Event lag (written → received by a subscriber): p50 ` +
      `${n(cost.eventLagP50)} ms, p99 ${n(cost.eventLagP99)} ms over every round's events; the worst round's p99 ` +
      `${n(cost.eventLagWorstP99)} ms, with the bench's own event-loop delay in that round, which the subscriber's ` +
      `arrival times include, at p99 ${n(cost.benchLoopDelayP99)} ms. ` +
      `${skipped.join(" ")}`.trim(),
  ];
}

function listingSection(s: Summary): string[] {
  const listing = s.listing;
  const calls = listing.callsPerQuery
    ? `Downstream calls per query: ${Object.entries(listing.callsPerQuery)
        .map(([name, made]) => `${name} ${made}`)
        .join(", ")}.`
    : "The gateway sent no Server-Timing header: calls per query not measured.";
  return [
    "## Nested listing through the gateway (accounts → orders → products)",
    `${n(listing.accountsPerQuery, 0)} accounts and ${n(listing.ordersPerQuery, 0)} orders per query; ` +
      `p50 ${n(listing.p50)} ms, p99 ${n(listing.p99)} ms. ${calls}`,
  ];
}

function resourcesSection(s: Summary): string[] {
  const processes = Object.keys(s.memory) as Array<keyof Summary["memory"]>;
  return [
    "## Memory and CPU per process",
    table(
      ["process", "idle MB", "peak under load MB", "after each round MB", "growth across rounds (floor)"],
      processes.map((name) => {
        const m = s.memory[name];
        const afterRounds = m.afterRoundsMb.map((value) => n(value)).join(" → ");
        return [name, n(m.idleMb), n(m.peakMb), afterRounds, `${n(m.growthPercent)} %`];
      }),
    ),
    table(
      ["CPU ms per request", ...processes, "bench (load generator)"],
      Object.entries(s.cpuMsPerRequest).map(([scenario, byProcess]) => [
        scenario,
        ...[...processes, "bench" as const].map((name) => n(byProcess[name], 3)),
      ]),
    ),
  ];
}

export function renderMarkdown(report: BenchReport): string {
  const { environment: env, summary: s } = report;
  const sections = [
    `# PolyScale benchmark (${env.mode} mode)`,
    environmentSection(env),
    ...pointReadsSection(env, s),
    ...searchSection(env, s),
    ...checkoutSection(env, report.raw),
    ...(report.observability ? observabilitySection(env, report.observability) : []),
    ...listingSection(s),
    ...resourcesSection(s),
    "## Errors during the run",
    errorLines(report.raw).join("\n") || "None.",
    "## Targets",
    table(
      ["target", "measured", "verdict"],
      report.targets.map((row) => [row.target, row.measured, row.verdict]),
    ),
    "## Integrity checks (a failure fails the run)",
    table(
      ["check", "result", "detail"],
      report.integrity.map((row) => [row.check, row.passed ? "PASS" : "FAIL", row.detail]),
    ),
  ];
  return `${sections.join("\n\n")}\n`;
}

/** Writes <mode>-<time>.{json,md,svg} and the same as latest.* under directory; returns the JSON path. */
export async function writeReport(directory: string, report: BenchReport, markdown: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const stamp = report.environment.startedAt.replace(/[:.]/g, "-");
  // JSON has no NaN: a figure that could not be measured is stored as null.
  const finiteOrNull = (_: string, value: unknown) =>
    typeof value === "number" && !Number.isFinite(value) ? null : value;
  const json = `${JSON.stringify(report, finiteOrNull, 2)}\n`;
  const svg = renderChart(report);
  for (const base of [`${report.environment.mode}-${stamp}`, "latest"]) {
    await writeFile(path.join(directory, `${base}.json`), json);
    await writeFile(path.join(directory, `${base}.md`), markdown);
    await writeFile(path.join(directory, `${base}.svg`), svg);
  }
  return path.join(directory, `${report.environment.mode}-${stamp}.json`);
}
