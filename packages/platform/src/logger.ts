import { trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger } from "pino";
import sonicBoom, { type SonicBoom as SonicBoomClass } from "sonic-boom";
import { describeError } from "./error-description.js";

// sonic-boom is CommonJS whose module.exports is the class; its types declare an ES default export instead.
const SonicBoom = sonicBoom as unknown as typeof SonicBoomClass;

export type { Logger };

/** The trace and span of the line's request, when one is being traced, so a log line leads to its trace. */
function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Log lines waiting for a reader that does not read (a stalled launcher) are dropped beyond this many bytes. */
const MAX_BUFFERED_LOG_BYTES = 8 * 1024 * 1024;

let stdoutDestination: DestinationStream | undefined;

/**
 * Standard output for log lines that can never hold the process up, shared by every logger of the process. Lines are
 * written asynchronously; once a write fails (EPIPE: the launcher that read our stdout was killed or the terminal
 * closed) logging stops instead of retrying. At exit what is still buffered is written once, never retried: pino's
 * own destination retried a broken pipe forever at exit, so an orphaned service never finished stopping and, its
 * main thread asleep in that loop, never ran its SIGTERM handler either.
 */
function nonBlockingStdout(): DestinationStream {
  if (stdoutDestination) return stdoutDestination;
  let exiting = false;
  let broken = false;
  const stream = new SonicBoom({
    fd: 1,
    sync: false,
    maxLength: MAX_BUFFERED_LOG_BYTES,
    // EAGAIN (a full pipe) is retried while running, on a timer; at exit (flushSync) it is not waited for.
    retryEAGAIN: () => !exiting,
  });
  stream.on("error", () => (broken = true));
  process.once("exit", () => {
    exiting = true;
    if (broken) return;
    try {
      stream.flushSync();
    } catch {
      // Nobody reads our output any more: the lines are lost, the exit is not delayed.
    }
  });
  stdoutDestination = { write: (line: string) => void (broken || stream.write(line)) };
  return stdoutDestination;
}

/**
 * Structured JSON logs on stdout (see nonBlockingStdout; or `destination`), with trace_id and span_id (OTel log data model names) while a
 * traced request runs. Anything that might hold a secret is redacted by path, as a second line of defence: the first is
 * never to pass secrets to a log call. An error logged as `err` keeps its class name, message and code (describeError)
 * and loses its stack, which could hold query text.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: describeError },
    mixin: traceFields,
    redact: {
      paths: [
        "password",
        "*.password",
        "*.currentPassword",
        "*.newPassword",
        "*.accessToken",
        "*.refreshToken",
        "authorization",
        "*.authorization",
        "*.headers.authorization",
        "*.headers.cookie",
      ],
      censor: "[redacted]",
    },
  };
  return pino(options, destination ?? nonBlockingStdout());
}
