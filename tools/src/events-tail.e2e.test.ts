import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectNats, domainEvent, toCloudEvent } from "@polyscale/platform";
import { startNatsServer, type TestNatsServer } from "./nats-server.js";

const script = fileURLToPath(new URL("../dist/events-tail.js", import.meta.url));

describe("npm run events:tail", () => {
  let nats: TestNatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats.close();
  });

  it("prints each event as it is published: time, type, subject and data", async () => {
    const tail = spawn(process.execPath, [script], { env: { ...process.env, NATS_URL: nats.url } });
    let stdout = "";
    let stderr = "";
    tail.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    tail.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await vi.waitFor(() => expect(stderr).toContain("listening on polyscale.>"), { timeout: 15_000 });
      const publisher = await connectNats(nats.url, "events-tail-test");
      const orderId = "0193a0a0-0000-7000-8000-000000000001";
      const event = toCloudEvent(
        domainEvent("order.cancelled", orderId, {
          orderId,
          accountId: "0193a0a0-0000-7000-8000-000000000002",
          fromStatus: "PENDING_PAYMENT",
          toStatus: "CANCELLED",
          totalCents: 1250,
          currency: "EUR",
        }),
        "0193a0a0-0000-7000-8000-0000000000ee",
        new Date("2026-03-04T05:06:07.089Z"),
      );
      publisher.publish("polyscale.order.cancelled", JSON.stringify(event));
      await publisher.flush();
      await publisher.close();
      await vi.waitFor(() =>
        expect(stdout).toBe(
          `2026-03-04T05:06:07.089Z polyscale.order.cancelled ${orderId} ` +
            `{"orderId":"${orderId}","accountId":"0193a0a0-0000-7000-8000-000000000002",` +
            `"fromStatus":"PENDING_PAYMENT","toStatus":"CANCELLED","totalCents":1250,"currency":"EUR"}\n`,
        ),
      );
    } finally {
      tail.kill("SIGTERM");
    }
  });

  it("regression: says where it listens without the password of NATS_URL", async () => {
    const withPassword = nats.url.replace("nats://", "nats://polyuser:s3cretpw@");
    const tail = spawn(process.execPath, [script], { env: { ...process.env, NATS_URL: withPassword } });
    let stderr = "";
    tail.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await vi.waitFor(() => expect(stderr).toContain(`listening on polyscale.> at ${nats.url}`), { timeout: 15_000 });
      expect(stderr).not.toContain("s3cretpw");
      expect(stderr).not.toContain("polyuser");
    } finally {
      tail.kill("SIGTERM");
    }
  });
});
