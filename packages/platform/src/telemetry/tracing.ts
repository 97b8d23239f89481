import type { DiagLogger } from "@opentelemetry/api";
import type { NodeSDK } from "@opentelemetry/sdk-node";
import path from "node:path";
import type { Logger } from "pino";

/**
 * OpenTelemetry tracing of one process, configured only by the standard OTEL_* variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Off unless an OTLP endpoint
 * (or an explicit OTEL_TRACES_EXPORTER) is set: then the SDK is never even loaded. Started by register.ts, which
 * `node --import` runs before the process's own modules so that http, gRPC and pg are instrumented when they load.
 */

type Environment = NodeJS.ProcessEnv;

/**
 * The standard variables every process honours through the SDK (the specification lists more; these are the ones
 * documented for PolyScale), so deployment files can be checked against them.
 */
export const TELEMETRY_VARIABLES = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_SERVICE_NAME",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_TRACES_EXPORTER",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_SDK_DISABLED",
  "OTEL_SEMCONV_STABILITY_OPT_IN",
] as const;

/** Whether the environment asks for traces: an OTLP endpoint, or an explicit exporter other than none. */
export function tracingEnabled(env: Environment = process.env): boolean {
  if (/^true$/i.test(env.OTEL_SDK_DISABLED ?? "")) return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporter);
}

/**
 * The service name when OTEL_SERVICE_NAME is unset: the package folder of the entry script
 * (services/order/dist/main.js → order, gateway/dist/main.js → gateway).
 */
export function defaultServiceName(entryScript: string | undefined): string {
  return entryScript ? path.basename(path.dirname(path.dirname(entryScript))) : "polyscale";
}

/** Probes and scrapes that would otherwise each make a trace of their own. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * Query parameters whose values never reach a span: the GraphQL document and variables of a GET (they may hold emails
 * or any text a user typed) and the REST search text.
 */
const REDACTED_QUERY_PARAMETERS = ["query", "variables", "q"];

let sdk: NodeSDK | undefined;

/** One line per diagnostic code at most this often; the next one says how many were left out in between. */
export const DIAGNOSTIC_LOG_INTERVAL_MS = 60_000;
/** What of a diagnostic's text reaches the log line, at most (never a stack: only an error's name, message, code). */
const MAX_DIAGNOSTIC_TEXT = 200;

/** A code per kind of SDK diagnostic, so an operator can alert on lost spans. */
function diagnosticCode(message: string): string {
  if (/dropped \d+ spans/i.test(message)) return "TELEMETRY_SPANS_DROPPED";
  // The batch processor reports a failed export through the global error handler, as the error's JSON.
  if (message.startsWith("{") || /export/i.test(message)) return "TELEMETRY_EXPORT_FAILED";
  return "TELEMETRY_DIAGNOSTIC";
}

/** The safe part of a diagnostic: an error's name, message and (HTTP or gRPC status) code; a plain text shortened. */
function diagnosticFields(message: string): { reason: string; status?: string } {
  try {
    const error = JSON.parse(message) as { name?: unknown; message?: unknown; code?: unknown };
    const reason = [error.name, error.message].filter((part) => typeof part === "string" && part).join(": ");
    return {
      reason: reason.slice(0, MAX_DIAGNOSTIC_TEXT) || "export failed",
      ...(typeof error.code === "string" || typeof error.code === "number" ? { status: String(error.code) } : {}),
    };
  } catch {
    return { reason: message.split("\n")[0]!.slice(0, MAX_DIAGNOSTIC_TEXT) };
  }
}

/**
 * The OpenTelemetry SDK's warnings and errors (a failed export, dropped spans) as log lines of the process's logger,
 * each with a `code` (TELEMETRY_EXPORT_FAILED, TELEMETRY_SPANS_DROPPED, TELEMETRY_DIAGNOSTIC), at most one per code
 * per `intervalMs`; that line's `suppressed` counts the ones left out since the last. Without it, a receiver that
 * refused every export lost every span and said nothing. Debug chatter is dropped.
 */
export function diagnosticsLogger(
  logger: Pick<Logger, "warn" | "error">,
  intervalMs = DIAGNOSTIC_LOG_INTERVAL_MS,
  now: () => number = Date.now,
): DiagLogger {
  const last = new Map<string, { at: number; suppressed: number }>();
  const report = (level: "warn" | "error") => (message: string) => {
    const code = diagnosticCode(message);
    const seen = last.get(code);
    if (seen && now() - seen.at < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    last.set(code, { at: now(), suppressed: 0 });
    const suppressed = seen?.suppressed ?? 0;
    logger[level]({ code, ...diagnosticFields(message), ...(suppressed ? { suppressed } : {}) }, "telemetry: " + code);
  };
  const ignore = () => {};
  return { error: report("error"), warn: report("warn"), info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Starts the SDK with the http, gRPC and pg instrumentations when tracingEnabled(env); otherwise does nothing and loads
 * nothing. Spans go through a batch processor to the exporter OTEL_TRACES_EXPORTER names (OTLP by default, over
 * OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf, http/json or grpc), sampled by OTEL_TRACES_SAMPLER; W3C traceparent
 * carries the context across HTTP and gRPC. Metrics stay with Prometheus and logs with stdout: the SDK exports traces
 * only. Returns whether tracing is on.
 */
export async function startTracing(env: Environment = process.env): Promise<boolean> {
  if (sdk || !tracingEnabled(env)) return sdk !== undefined;
  // Current (stable) semantic conventions for HTTP and databases, unless the operator chose otherwise.
  env.OTEL_SEMCONV_STABILITY_OPT_IN ??= "http,database";
  const [{ NodeSDK }, { HttpInstrumentation }, { GrpcInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-grpc"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : defaultServiceName(process.argv[1]),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(request.url?.split("?")[0] ?? ""),
        redactedQueryParamsServer: REDACTED_QUERY_PARAMETERS,
      }),
      // Health checks come every few seconds from the launcher, Docker and Kubernetes.
      new GrpcInstrumentation({ ignoreGrpcMethods: ["Check", "Watch"] }),
      // Statements only (placeholders, never their values), and only inside a traced request: the background
      // workers' polling would otherwise start a trace per query.
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
    ],
  });
  const [{ diag, DiagLogLevel }, { createLogger }] = await Promise.all([
    import("@opentelemetry/api"),
    import("../logger.js"),
  ]);
  // The process's own log stream and service name; replaces the console logger OTEL_LOG_LEVEL would install.
  diag.setLogger(diagnosticsLogger(createLogger(defaultServiceName(process.argv[1]))), {
    logLevel: DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  sdk.start();
  return true;
}

/** Sends the spans still buffered and stops the SDK; does nothing when tracing is off. Called at shutdown. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
