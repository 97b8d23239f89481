import { createServer } from "node:net";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { counter, recordGrpcCall, sqlOperationOf, startMetricsServer } from "./metrics.js";
import { freePort } from "@polyscale/tools/ports";

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe("metrics", () => {
  it("serves the registry in the Prometheus text format on /metrics, with Node.js process metrics", async () => {
    const { logger } = recordingLogger();
    const orders = counter({ name: "test_widgets_total", help: "widgets", labelNames: ["kind"] as const });
    orders.inc({ kind: "blue" }, 3);
    recordGrpcCall("/polyscale.test.v1.TestService/DoThing", 5, 0.002);
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0, logger });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('test_widgets_total{kind="blue"} 3');
      expect(text).toContain(
        'grpc_server_handled_total{grpc_service="polyscale.test.v1.TestService",grpc_method="DoThing",grpc_code="NOT_FOUND"} 1',
      );
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
      expect(text).toContain("nodejs_gc_duration_seconds");
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("logs a metrics port it cannot bind and lets the process go on", async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    const { logger, lines } = recordingLogger();
    try {
      const server = await startMetricsServer({ host: "127.0.0.1", port, logger });
      expect(server.port).toBeUndefined();
      await server.close();
      expect(lines.some((line) => line.msg === "metrics server cannot listen; serving on without metrics")).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it("labels a statement by its leading keyword only, never by its text", () => {
    expect(sqlOperationOf("  select * from products where id = $1")).toBe("SELECT");
    expect(sqlOperationOf("WITH o AS (INSERT INTO orders ...) SELECT 1")).toBe("WITH");
    expect(sqlOperationOf("UPDATE products SET stock = stock - $2")).toBe("UPDATE");
    expect(sqlOperationOf("VACUUM products")).toBe("OTHER");
    expect(sqlOperationOf("-- comment\nSELECT 1")).toBe("OTHER");
  });
});
