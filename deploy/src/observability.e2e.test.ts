import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { commandAvailable, readRepositoryFile, repositoryRoot } from "./test-repository-files.js";

const promtool = commandAvailable("promtool", ["--version"]);

/** Runs promtool check rules on a rules file; returns its output when it fails the test. */
function checkRules(file: string) {
  const result = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
  expect(result.status, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}

const dashboard = JSON.parse(readRepositoryFile("deploy/grafana/dashboards/polyscale.json")) as {
  uid: string;
  title: string;
  panels: Panel[];
};

/** Every PromQL expression of the dashboard, with Grafana's interval variable given a value Prometheus accepts. */
const dashboardQueries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({
    panel: panel.title,
    expr: target.expr.replaceAll("$__rate_interval", "5m"),
  })),
);

describe("Prometheus alert rules", () => {
  it.runIf(promtool)("pass promtool check rules", () => {
    const output = checkRules(path.join(repositoryRoot, "deploy", "prometheus", "alerts.yml"));
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("cover error rate, p99 latency, pool saturation and outbox lag, each with a summary", () => {
    const rules = (
      parse(readRepositoryFile("deploy/prometheus/alerts.yml")) as {
        groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: { summary: string } }> }>;
      }
    ).groups.flatMap((group) => group.rules);
    const expressions = rules.map((rule) => rule.expr).join("\n");
    for (const metric of [
      "http_server_requests_total",
      "grpc_server_handled_total",
      "http_server_request_duration_seconds_bucket",
      "grpc_server_handling_seconds_bucket",
      "db_client_connections",
      "db_client_connections_pending_requests",
      "polyscale_outbox_oldest_pending_age_seconds",
    ]) {
      expect(expressions, metric).toContain(metric);
    }
    expect(expressions).toContain("histogram_quantile(0.99");
    for (const rule of rules) expect(rule.annotations.summary, rule.alert).toMatch(/\w/);
  });
});

describe("Grafana dashboard", () => {
  it("is a dashboard whose panels fit the 24-column grid without overlapping, each with a unique id", () => {
    expect(dashboard.uid).toBe("polyscale-overview");
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const cell = `${row}:${column}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it("shows RED per service, saturation, checkout and search, from the provisioned Prometheus", () => {
    const titles = dashboard.panels.filter((panel) => panel.type === "row").map((panel) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        "Gateway: rate, errors, duration",
        "Services: gRPC rate, errors, duration",
        "Saturation",
        "Checkout",
        "Search",
        "Events",
      ]),
    );
    const sources = parse(readRepositoryFile("deploy/grafana/provisioning/datasources/datasources.yml")) as {
      datasources: Array<{ uid: string }>;
    };
    const uids = sources.datasources.map((source) => source.uid);
    for (const panel of dashboard.panels.filter((candidate) => candidate.type !== "row")) {
      expect(uids, panel.title).toContain(panel.datasource?.uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    const expressions = dashboardQueries.map((query) => query.expr).join("\n");
    for (const metric of [
      "polyscale_search_duration_seconds_bucket",
      "graphql_operation_duration_seconds_bucket",
      "polyscale_orders_total",
      "nodejs_eventloop_lag_p99_seconds",
      "polyscale_outbox_pending_events",
      "polyscale_outbox_oldest_pending_age_seconds",
    ]) {
      expect(expressions, metric).toContain(metric);
    }
  });

  it.runIf(promtool)("has only queries Prometheus can parse", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "polyscale-dashboard-"));
    try {
      const file = path.join(directory, "dashboard-queries.yml");
      const rules = dashboardQueries.map((query, index) => ({ record: `dashboard:query_${index}`, expr: query.expr }));
      writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
      expect(checkRules(file)).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
