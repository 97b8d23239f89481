import type { RoundsResult } from "./rounds.js";
import { sumOf } from "./stats.js";

/**
 * What must hold in every run whatever the machine (no unit oversold, stock sums that add up, every scenario
 * completing requests): unlike the targets (targets.ts), a failed check makes the benchmark exit non-zero.
 */

export interface IntegrityCheck {
  check: string;
  passed: boolean;
  detail: string;
}

/** What must hold in every run, quick or full: a failure makes the benchmark exit non-zero. */
export function integrityChecks(result: RoundsResult): IntegrityCheck[] {
  const rounds = result.rounds;
  const checkout = (pick: (r: RoundsResult["rounds"][number]) => number) => sumOf(rounds, pick);
  const loads = rounds.flatMap(
    (r) =>
      [
        ["point reads via the gateway", r.pointReads.gateway.requests],
        ["point reads via gRPC", r.pointReads.grpc.requests],
        ["search", r.search.overall.requests],
        ["contended checkout", r.checkout.orders],
        ["nested listing", r.listing.queries],
      ] as const,
  );
  const idle = loads.filter(([, requests]) => requests === 0).map(([name]) => name);
  return [
    {
      check: "no unit oversold",
      passed: checkout((r) => r.checkout.integrity.oversoldUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.oversoldUnits)} units`,
    },
    {
      check: "no stock held or sold for a failed order",
      passed: checkout((r) => r.checkout.integrity.failedButReservedUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.failedButReservedUnits)} units${
        rounds.every((r) => r.checkout.integrity.reservationsComplete) ? "" : " (reservation list truncated at 1000)"
      }`,
    },
    {
      check: "initial stock = stock left + units sold, per product",
      passed: checkout((r) => r.checkout.integrity.stockSumMismatchUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.stockSumMismatchUnits)} units off`,
    },
    {
      check: "the order service's open orders hold exactly the units sold",
      passed: checkout((r) => r.checkout.integrity.orderServiceMismatchUnits) === 0,
      detail: `${checkout((r) => r.checkout.integrity.orderServiceMismatchUnits)} units off`,
    },
    {
      check: "every scenario completed requests",
      passed: idle.length === 0,
      detail: idle.length === 0 ? "all did" : `none completed: ${[...new Set(idle)].join(", ")}`,
    },
  ];
}
