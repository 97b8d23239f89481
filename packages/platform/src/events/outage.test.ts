import { describe, expect, it, vi } from "vitest";
import { freePort } from "@polyscale/tools/ports";
import { JetStreamPublisher } from "./jetstream.js";
import { Outage } from "../outage.js";

/** A broker down for ten minutes, retried as the relay's publisher does, on a fake clock. */
describe("outage of a dependency", () => {
  // Seen (issue 14): with NATS down every service logged "NATS unreachable" about once a second.
  it("regression: backs off 1 s doubling to 60 s, logs down once, a reminder at most each minute, and back up once", () => {
    let clock = 0;
    const lines: Array<{ level: string; code: unknown; msg: string }> = [];
    const record = (level: string) => (fields: { code?: unknown }, msg: string) =>
      void lines.push({ level, code: fields.code, msg });
    const outage = new Outage({ warn: record("warn"), info: record("info") } as never, {
      code: "NATS_UNREACHABLE",
      message: "NATS unreachable; events wait in the outbox",
      recoveredMessage: "NATS reachable again; publishing the outbox",
      now: () => clock,
    });
    const delays: number[] = [];
    while (clock < 10 * 60_000) {
      const delay = outage.failed(new Error("ECONNREFUSED"));
      delays.push(delay);
      clock += delay;
    }
    expect(delays.slice(0, 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(Math.max(...delays)).toBe(60_000);
    // Ten minutes: one line going down, then reminders no more often than once a minute.
    expect(lines[0]).toEqual({
      level: "warn",
      code: "NATS_UNREACHABLE",
      msg: "NATS unreachable; events wait in the outbox",
    });
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.slice(1).every((line) => line.code === "NATS_UNREACHABLE" && line.msg.startsWith("still:"))).toBe(
      true,
    );
    const count = lines.length;
    outage.recovered();
    outage.recovered();
    expect(lines.slice(count)).toEqual([
      { level: "info", code: "NATS_UNREACHABLE_RECOVERED", msg: "NATS reachable again; publishing the outbox" },
    ]);
    // A new outage starts from the first delay and logs at once.
    expect(outage.failed()).toBe(1_000);
    expect(lines).toHaveLength(count + 2);
  });

  it("the publisher, started with no broker, retries through one Outage and logs one line, not one per attempt", async () => {
    const lines: Array<{ code?: unknown; msg: string }> = [];
    const record = (fields: { code?: unknown }, msg: string) => void lines.push({ code: fields.code, msg });
    const logger = { warn: record, info: record, error: record, debug: () => {} } as never;
    // Each failed attempt goes through the real Outage, which logs and picks the pause; the publisher then waits that
    // pause in microseconds instead of milliseconds, so three attempts (1 s and 2 s apart for real) take no seconds.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called on its own Outage, .call(this)
    const realFailed = Outage.prototype.failed;
    const asked: number[] = [];
    const failed = vi.spyOn(Outage.prototype, "failed").mockImplementation(function (this: Outage, error?: unknown) {
      const delay = realFailed.call(this, error);
      asked.push(delay);
      return delay / 1_000;
    });
    // Nothing listens on that port: every attempt is refused at once.
    const url = `nats://127.0.0.1:${await freePort()}`;
    const publisher = new JetStreamPublisher({
      url,
      name: "outage-test",
      stream: { name: "OUTAGE", subjects: ["x"] },
      logger,
    });
    try {
      await vi.waitFor(() => expect(asked.length).toBeGreaterThanOrEqual(3), { timeout: 4_000 });
    } finally {
      await publisher.close();
      failed.mockRestore();
    }
    expect(asked.slice(0, 3)).toEqual([1_000, 2_000, 4_000]);
    expect(publisher.isConnected()).toBe(false);
    expect(lines).toEqual([{ code: "NATS_UNREACHABLE", msg: "NATS unreachable; events wait in the outbox" }]);
  });
});
