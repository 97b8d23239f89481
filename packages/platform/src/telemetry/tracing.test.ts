import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultServiceName, tracingEnabled } from "./tracing.js";

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
});
