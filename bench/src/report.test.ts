import { describe, expect, it } from "vitest";
import { renderMarkdown, type BenchReport } from "./report.js";
import { parseArguments } from "./settings.js";
import { integrityChecks } from "./integrity.js";
import { summarize } from "./summary.js";
import { judgeTargets } from "./targets.js";
import { sampleRun } from "./test-support.js";

function reportOf(raw = sampleRun, loadAverage = { atStart: 0.5, atEnd: 0.7 }): BenchReport {
  const summary = summarize(raw);
  return {
    environment: {
      startedAt: "2026-01-01T00:00:00.000Z",
      mode: "quick",
      storage: "PostgreSQL",
      postgresVersion: "16.2",
      pgbenchVersion: "pgbench (PostgreSQL) 16.2",
      node: "v20.11.0",
      cores: 8,
      cpuModel: "Test CPU",
      loadAverage,
      settings: parseArguments(["--quick"]),
    },
    summary,
    targets: judgeTargets(summary, 2000),
    integrity: integrityChecks(raw),
    raw,
  };
}

describe("renderMarkdown", () => {
  it("states the machine, the ratios, each checkout round, the verdicts and the integrity checks", () => {
    const markdown = renderMarkdown(reportOf());
    expect(markdown).toContain("- 2026-01-01T00:00:00.000Z; 8 cores (Test CPU); Node v20.11.0");
    expect(markdown).toContain("- storage: PostgreSQL 16.2; pgbench (PostgreSQL) 16.2");
    expect(markdown).toContain("Ratios: gateway ÷ gRPC = **0.70**, gRPC ÷ pgbench = **0.33**.");
    expect(markdown).toContain("| 3 | 45 | 60 | 0 | 45 | 20.0 | 120.0 | 0 | 0 | 0 | 0 |");
    expect(markdown).toContain("| gateway ÷ direct gRPC ≥ 0.6 (point reads) | 0.70 | PASS |");
    expect(markdown).toContain("| no unit oversold | PASS | 0 units |");
    expect(markdown).toContain("## Errors during the run\n\nNone.");
    expect(markdown).not.toContain("other work was keeping the cores busy");
  });

  it("warns when the machine was busier than its cores, and lists failed requests", () => {
    const failing = {
      ...sampleRun,
      rounds: sampleRun.rounds.map((r) => {
        if (r.round !== 2) return r;
        const overall = { ...r.search.overall, errors: 3, firstError: "deadline exceeded" };
        return { ...r, search: { ...r.search, overall } };
      }),
    };
    const markdown = renderMarkdown(reportOf(failing, { atStart: 9, atEnd: 3 }));
    expect(markdown).toContain(
      "load average 9.00 before the run, 3.00 at its end — **other work was keeping the cores busy",
    );
    expect(markdown).toContain("- round 2, search: 3 failed (first: deadline exceeded)");
  });
});
