import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./ports.js";
import { graphql, openShop, placeOrder, startTestSystem, type Shop, type TestSystem } from "./test-shop.js";
import { repositoryRoot, type ServiceName } from "./system.js";
import { restCall } from "./testing/index.js";

/**
 * A real Prometheus (the Debian package) scrapes the four real processes every second, with the alert rules of
 * deploy/ loaded: every target is up, and the request, call, query and business counters rise with traffic.
 */

const prometheusAvailable = spawnSync("prometheus", ["--version"]).status === 0;
const ALERT_RULES = path.join(repositoryRoot, "deploy", "prometheus", "alerts.yml");
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe.runIf(prometheusAvailable)("Prometheus scraping every process", () => {
  let running: TestSystem;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let workDir: string;
  let shop: Shop;
  let prometheusOutput = "";

  type Sample = { metric: Record<string, string>; value: [number, string] };
  async function query(promql: string): Promise<Sample[]> {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: Sample[] }; error?: string };
    if (body.status !== "success") throw new Error(`${promql}: ${body.error}`);
    return body.data.result;
  }

  /** The single value of a PromQL expression, 0 when it has no series yet. */
  async function valueOf(promql: string): Promise<number> {
    const [first] = await query(promql);
    return first ? Number(first.value[1]) : 0;
  }

  async function eventually<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
    const giveUpAt = Date.now() + 30_000;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined && accept(value)) return value;
      if (Date.now() > giveUpAt)
        throw new Error(`${what} never came: last ${JSON.stringify(value)}\n${prometheusOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    running = await startTestSystem();
    workDir = await mkdtemp(path.join(tmpdir(), "polyscale-prometheus-"));
    const jobs = Object.entries(running.metricsPorts).map(
      ([job, port]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]`,
    );
    const config = path.join(workDir, "prometheus.yml");
    await writeFile(
      config,
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${ALERT_RULES}\nscrape_configs:\n${jobs.join("\n")}\n`,
    );
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(workDir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const keep = (chunk: Buffer) => (prometheusOutput = (prometheusOutput + chunk.toString()).slice(-8000));
    prometheus.stdout!.on("data", keep);
    prometheus.stderr!.on("data", keep);
    shop = await openShop(running.system);
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once("exit", resolve));
      prometheus.kill("SIGTERM");
      await exited;
    }
    await running?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("shows every process as an up target, with Node.js process metrics from each", async () => {
    const targets = await eventually(
      "four healthy targets",
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/targets`);
        const body = (await response.json()) as {
          data: { activeTargets: Array<{ labels: { job: string }; health: string }> };
        };
        return body.data.activeTargets;
      },
      (active) => active.length === 4 && active.every((target) => target.health === "up"),
    );
    expect(targets.map((target) => target.labels.job).sort()).toEqual(["account", "gateway", "order", "product"]);
    for (const job of ["gateway", "account", "product", "order"] as ServiceName[]) {
      expect(await valueOf(`up{job="${job}"}`), job).toBe(1);
      expect(await valueOf(`nodejs_heap_size_used_bytes{job="${job}"}`), job).toBeGreaterThan(0);
      expect((await query(`nodejs_eventloop_lag_seconds{job="${job}"}`)).length, job).toBe(1);
    }
    for (const job of ["account", "product", "order"]) {
      expect((await query(`db_client_connections{job="${job}"}`)).length, job).toBe(2);
    }
  });

  it("counts requests, gRPC calls, queries and orders, rising with traffic", async () => {
    await placeOrder(running.system, shop);
    // Each process is scraped on its own schedule: wait until all three have seen the first order.
    const [placedBefore, operationsBefore, callsBefore] = await eventually(
      "the first order counted by the gateway and the order service",
      async () => [
        await valueOf(`sum(polyscale_orders_total{job="order",event="placed"})`),
        await valueOf(`sum(graphql_operations_total{job="gateway",operation="createOrder",outcome="ok"})`),
        await valueOf(`sum(grpc_server_handled_total{job="order",grpc_method="PlaceOrder"})`),
      ],
      (values) => values.every((value) => value >= 1),
    );

    for (let index = 0; index < 3; index++) await placeOrder(running.system, shop);
    await graphql(
      running.system,
      `
        query Search {
          searchProducts(query: "lamp") {
            totalCount
          }
        }
      `,
    );
    expect((await restCall(running.system.gatewayUrl, "GET", `/product/${shop.product.id}`)).status).toBe(200);

    await eventually(
      "three more orders placed",
      () => valueOf(`sum(polyscale_orders_total{job="order",event="placed"})`),
      (value) => value >= placedBefore + 3,
    );
    await eventually(
      "the rest of the traffic scraped",
      async () => [
        await valueOf(`sum(graphql_operations_total{job="gateway",operation="createOrder",outcome="ok"})`),
        await valueOf(`sum(grpc_server_handled_total{job="order",grpc_method="PlaceOrder",grpc_code="OK"})`),
        await valueOf(`sum(grpc_server_handled_total{job="product",grpc_method="ReserveStock",grpc_code="OK"})`),
        await valueOf(`sum(http_server_requests_total{job="gateway",route="/product/{id}",status_code="200"})`),
        await valueOf(`sum(polyscale_search_duration_seconds_count{job="product",engine="postgres"})`),
        await valueOf(`sum(db_client_operation_duration_seconds_count{job="order",db_operation=~"INSERT|WITH"})`),
      ],
      ([operations, calls, reservations, restReads, searches, inserts]) =>
        operations! >= operationsBefore + 3 &&
        calls! >= callsBefore + 3 &&
        reservations! >= 4 &&
        restReads! >= 1 &&
        searches! >= 1 &&
        inserts! >= 4,
    );
    // The alert expressions evaluate against these series without error.
    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.length).toBeGreaterThanOrEqual(4);
    await eventually(
      "every alert rule evaluated",
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/rules`);
        const body = (await response.json()) as typeof rules;
        return body.data.groups.flatMap((group) => group.rules);
      },
      (evaluated) => evaluated.every((rule) => rule.health === "ok"),
    );
  });

  it("labels no series with an id or other request data", async () => {
    await placeOrder(running.system, shop);
    for (const [name, port] of Object.entries(running.metricsPorts)) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text, name).not.toMatch(UUID);
      expect(text, name).not.toContain(shop.product.id);
      expect(text, name).not.toContain("observability.test");
    }
  });
});
