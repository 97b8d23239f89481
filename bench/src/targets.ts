import type { Summary } from "./summary.js";

/**
 * The targets of bench/README.md, judged against a run's summary: one row each, with what was measured and PASS, MISS
 * or n/a. A miss is reported, not failed (the figures depend on the machine); what fails a run is in integrity.ts.
 * The start-up and observability scenarios judge their own targets with the same judge and fixed.
 */

export type Verdict = "PASS" | "MISS" | "n/a";

export interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

/** PASS when the figure meets its limit (ok), MISS when not, n/a when it could not be measured (NaN). */
export const judge = (value: number, ok: (value: number) => boolean): Verdict =>
  Number.isFinite(value) ? (ok(value) ? "PASS" : "MISS") : "n/a";

/** A figure for the measured column, with its unit (e.g. `fixed(12.34, 1, " ms")` is "12.3 ms"); n/a when NaN. */
export const fixed = (value: number, digits = 1, unit = "") =>
  Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : "n/a";

/** The targets of bench/README.md, one row each. */
export function judgeTargets(summary: Summary, products: number): TargetRow[] {
  const { pointReads, search, checkout, listing, memory } = summary;
  const rows: TargetRow[] = [
    {
      target: "gateway ÷ direct gRPC ≥ 0.6 (point reads)",
      measured: fixed(pointReads.gatewayOverGrpc, 2),
      verdict: judge(pointReads.gatewayOverGrpc, (v) => v >= 0.6),
    },
    {
      target: "direct gRPC ÷ pgbench ≥ 0.4 (point reads)",
      measured: fixed(pointReads.grpcOverPgbench, 2),
      verdict: judge(pointReads.grpcOverPgbench, (v) => v >= 0.4),
    },
    {
      target: "search ÷ point reads ≥ 0.5 (both through the gateway, non-repeating mix)",
      measured: fixed(search.overPointReads, 2),
      verdict: judge(search.overPointReads, (v) => v >= 0.5),
    },
    {
      target: `search p50 ≤ 5 ms (at 100,000 products; this run: ${products.toLocaleString("en-US")})`,
      measured: fixed(search.p50, 1, " ms"),
      verdict: judge(search.p50, (v) => v <= 5),
    },
    {
      target: `search p99 ≤ 25 ms (at 100,000 products; this run: ${products.toLocaleString("en-US")})`,
      measured: fixed(search.p99, 1, " ms"),
      verdict: judge(search.p99, (v) => v <= 25),
    },
    {
      target: "contended checkout: 0 units oversold",
      measured: String(checkout.oversoldUnits),
      verdict: checkout.oversoldUnits === 0 ? "PASS" : "MISS",
    },
    {
      target: "contended checkout p99 ≤ 150 ms (worst round)",
      measured: fixed(checkout.worstP99, 1, " ms"),
      verdict: judge(checkout.worstP99, (v) => v <= 150),
    },
  ];
  for (const [name, figures] of Object.entries(memory)) {
    const limit = name === "gateway" ? 150 : 100;
    rows.push({
      target: `${name}: idle resident memory ≤ ${limit} MB`,
      measured: fixed(figures.idleMb, 1, " MB"),
      verdict: judge(figures.idleMb, (v) => v <= limit),
    });
  }
  for (const [name, figures] of Object.entries(memory)) {
    rows.push({
      target: `${name}: resident memory grows < 10 % across rounds (floor, first half → second half)`,
      measured: fixed(figures.growthPercent, 1, " %"),
      verdict: judge(figures.growthPercent, (v) => v < 10),
    });
  }
  const orderCalls = listing.callsPerQuery?.order ?? Number.NaN;
  rows.push({
    target: "nested listing: 1 order-service call per query (DataLoader batching)",
    measured: listing.callsPerQuery ? fixed(orderCalls, 0) : "not reported by the gateway",
    verdict: judge(orderCalls, (v) => v <= 1),
  });
  return rows;
}
