import { describe, expect, it } from "vitest";
import { reasonIn } from "./child-process.js";

const log = (level: string, msg: string, err?: string) =>
  JSON.stringify({ level, time: "2026-12-01T04:00:00.000Z", msg, ...(err ? { err: { message: err } } : {}) });

describe("reasonIn", () => {
  it("takes the last error-level log line, with its error", () => {
    const printed = [log("info", "listening"), log("error", "database unreachable", "ECONNREFUSED"), log("info", "x")];
    expect(reasonIn(printed.join("\n"))).toBe("database unreachable: ECONNREFUSED");
  });

  it("takes Node's report of an uncaught error, without its stack", () => {
    const printed = [
      "file:///app/main.js:3",
      "TypeError: boom",
      "    at main (file:///app/main.js:3:9)",
      "Node.js v20",
    ];
    expect(reasonIn(printed.join("\n"))).toBe("TypeError: boom");
  });

  it("regression: does not give the last info line as the reason of a process killed by a signal", () => {
    const printed = [log("info", "listening"), log("info", "NATS reachable again; publishing the outbox")];
    expect(reasonIn(printed.join("\n"))).toBe("no error printed");
  });

  it("falls back to the last line that is not a log line, and says when nothing was printed", () => {
    expect(reasonIn([log("warn", "slow"), "Killed", log("info", "bye")].join("\n"))).toBe("Killed");
    expect(reasonIn("")).toBe("no output");
  });
});
