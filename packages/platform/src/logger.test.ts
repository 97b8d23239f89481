import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { describeError } from "./error-description.js";
import { notFound } from "./errors.js";
import { createLogger } from "./logger.js";

/** The real pino logger of createLogger, writing its JSON lines into an array. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("logger-test", "info", destination), lines };
}

class PoolError extends Error {
  readonly code = "57P01";
}

describe("logged errors", () => {
  it("keep their class name, message and code, but no stack", () => {
    const { logger, lines } = capturedLogger();
    logger.error({ err: new PoolError("terminating connection due to administrator command") }, "query failed");
    logger.error({ err: describeError(new TypeError("x is not a function")) }, "bug");
    logger.warn({ err: notFound("ORDER_NOT_FOUND", "order o does not exist") }, "lookup");
    logger.error(new RangeError("out of range"), "thrown as the first argument");
    logger.error({ err: "a string was thrown" }, "odd throw");
    expect(lines.map((line) => line.err)).toEqual([
      { type: "PoolError", message: "terminating connection due to administrator command", code: "57P01" },
      { type: "TypeError", message: "x is not a function" },
      { type: "AppError", message: "order o does not exist", code: "NOT_FOUND" },
      { type: "RangeError", message: "out of range" },
      { type: "string", message: "a string was thrown" },
    ]);
    expect(JSON.stringify(lines)).not.toContain("stack");
  });
});
