import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stdout. Anything that might hold a secret is redacted by path, as a second line of defence:
 * the first is never to pass secrets to a log call.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
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
  });
}
