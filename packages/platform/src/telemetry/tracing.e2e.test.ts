import { execFile, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultServiceName, diagnosticsLogger, tracingEnabled } from "./tracing.js";

// The built preload, as `node --import` loads it in every process.
const preload = new URL("../../dist/telemetry/register.js", import.meta.url).href;
const platformRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Runs a process with the preload and reports what telemetry it set up: whether any OpenTelemetry SDK or exporter
 * module was loaded, and which tracer provider the API hands out.
 */
function probe(env: Record<string, string>) {
  const script = `
    import { createRequire } from "node:module";
    const require = createRequire(process.cwd() + "/");
    const { trace } = require("@opentelemetry/api");
    const loaded = Object.keys(require.cache).filter((file) => /@opentelemetry\\/(sdk-|exporter-)/.test(file));
    const provider = trace.getTracerProvider().getDelegate().constructor.name;
    console.log(JSON.stringify({ exporterLoaded: loaded.some((file) => file.includes("exporter-trace-otlp")),
      sdkLoaded: loaded.length > 0, provider }));
  `;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("OTEL_")));
  const result = spawnSync(process.execPath, ["--import", preload, "--input-type=module", "-e", script], {
    cwd: platformRoot,
    env: { ...clean, ...env },
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as {
    exporterLoaded: boolean;
    sdkLoaded: boolean;
    provider: string;
  };
}

describe("tracing configuration", () => {
  it("is on only when an OTLP endpoint or a trace exporter is set, and not disabled", () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_SERVICE_NAME: "order", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" })).toBe(
      false,
    );
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })).toBe(
      false,
    );
  });

  it("names a service after its package folder unless OTEL_SERVICE_NAME says otherwise", () => {
    expect(defaultServiceName("/app/services/order/dist/main.js")).toBe("order");
    expect(defaultServiceName("/app/gateway/dist/main.js")).toBe("gateway");
  });

  it("creates no exporter and loads no SDK without an endpoint, and does with one", () => {
    const off = probe({});
    expect(off).toEqual({ exporterLoaded: false, sdkLoaded: false, provider: "NoopTracerProvider" });
    // Nothing listens there; the process exits before its first export is due.
    const on = probe({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" });
    expect(on.exporterLoaded).toBe(true);
    expect(on.provider).not.toBe("NoopTracerProvider");
  });

  // Seen (issue 15): a receiver that refused every export lost every span, and no process said so.
  it("regression: a refused export is logged with a code, once per minute however often it fails", async () => {
    let exports = 0;
    const receiver = createServer((request, response) => {
      exports += 1;
      request.resume().on("end", () => response.writeHead(500).end("receiver down"));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    // Spans every 50 ms for 1.5 s, exported every 100 ms: many failed exports.
    const script = `
      import { createRequire } from "node:module";
      const { trace } = createRequire(process.cwd() + "/")("@opentelemetry/api");
      const timer = setInterval(() => trace.getTracer("probe").startSpan("work").end(), 50);
      setTimeout(() => { clearInterval(timer); setTimeout(() => process.exit(0), 400); }, 1500);
    `;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("OTEL_")));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", preload, "--input-type=module", "-e", script],
        {
          cwd: platformRoot,
          env: {
            ...clean,
            LOG_LEVEL: "warn",
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
            OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
            OTEL_BSP_SCHEDULE_DELAY: "100",
          },
        },
      );
      const lines = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(exports).toBeGreaterThan(3);
      const failures = lines.filter((line) => line.code === "TELEMETRY_EXPORT_FAILED");
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ level: "error", msg: "telemetry: TELEMETRY_EXPORT_FAILED" });
      expect(JSON.stringify(failures[0])).not.toMatch(/\bat \S+ \(|stack/);
    } finally {
      receiver.close();
    }
  });

  it("rate-limits each diagnostic code and counts what it left out", () => {
    const lines: Array<[string, Record<string, unknown>]> = [];
    let clock = 0;
    const record = (level: string) => (fields: Record<string, unknown>) => void lines.push([level, fields]);
    const logger = diagnosticsLogger({ warn: record("warn"), error: record("error") } as never, 60_000, () => clock);
    const exportError = JSON.stringify({
      name: "OTLPExporterError",
      message: "Internal Server Error",
      code: 500,
      stack: "at x (y)",
    });
    logger.error(exportError);
    logger.error(exportError);
    logger.warn("Dropped 12 spans because maxQueueSize reached");
    clock = 59_999;
    logger.error(exportError);
    clock = 60_000;
    logger.error(exportError);
    logger.debug("chatter");
    expect(lines).toEqual([
      ["error", { code: "TELEMETRY_EXPORT_FAILED", reason: "OTLPExporterError: Internal Server Error", status: "500" }],
      ["warn", { code: "TELEMETRY_SPANS_DROPPED", reason: "Dropped 12 spans because maxQueueSize reached" }],
      [
        "error",
        {
          code: "TELEMETRY_EXPORT_FAILED",
          reason: "OTLPExporterError: Internal Server Error",
          status: "500",
          suppressed: 2,
        },
      ],
    ]);
  });
});
