import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { DEFAULT_EMBEDDED_POSTGRES_PORT } from "./embedded-postgres.js";
import { assertPortsFree, freePort } from "./ports.js";

describe("launcher ports", () => {
  it("names each port in use by the setting that moves it, and skips 0", async () => {
    const [busy, free] = [await freePort(), await freePort()];
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(busy, "127.0.0.1", resolve));
    try {
      await expect(
        assertPortsFree({ GATEWAY_PORT: free, EMBEDDED_DATABASE_PORT: busy, ORDER_PORT: 0 }),
      ).rejects.toThrow(
        `port ${busy} (EMBEDDED_DATABASE_PORT) already in use by another process: stop it, or set ` +
          "EMBEDDED_DATABASE_PORT to a free port",
      );
      await expect(assertPortsFree({ GATEWAY_PORT: free })).resolves.toBeUndefined();
    } finally {
      squatter.close();
    }
  });

  // Regression: a service of a test system failed with EADDRINUSE on a port freePort had chosen from the ephemeral
  // range, where any outgoing connection may take it before the service listens.
  it("hands out distinct free ports outside this machine's ephemeral range", async () => {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port < low! || port > high!, `port ${port}`).toBe(true);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(1024);
  });

  it("default embedded PostgreSQL port is outside this machine's ephemeral range and is not 5432", () => {
    // An outgoing connection may take any port of that range, which would then make `npm start` fail at random.
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    expect(DEFAULT_EMBEDDED_POSTGRES_PORT < low! || DEFAULT_EMBEDDED_POSTGRES_PORT > high!).toBe(true);
    expect(DEFAULT_EMBEDDED_POSTGRES_PORT).not.toBe(5432);
  });
});
