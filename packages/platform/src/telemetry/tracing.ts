import type { NodeSDK } from "@opentelemetry/sdk-node";
import path from "node:path";

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
  sdk.start();
  return true;
}

/** Sends the spans still buffered and stops the SDK; does nothing when tracing is off. Called at shutdown. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
