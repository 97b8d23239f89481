import { pino, type DestinationStream, type Logger } from "pino";
import { describeError } from "./errors.js";

export type { Logger };

/**
 * Structured JSON logs on stdout (or `destination`). Anything that might hold a secret is redacted by path, as a second
 * line of defence: the first is never to pass secrets to a log call. An error logged as `err` keeps its class name,
 * message and code (describeError) and loses its stack, which could hold query text.
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
  return destination ? pino(options, destination) : pino(options);
}
