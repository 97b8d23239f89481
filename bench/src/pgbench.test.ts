import { describe, expect, it } from "vitest";
import { parsePgbenchOutput } from "./pgbench.js";

const pgbench15Output = `transaction type: multiple scripts
scaling factor: 1
query mode: extended
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 5 s
number of transactions actually processed: 61234
number of failed transactions: 0 (0.000%)
latency average = 0.652 ms
initial connection time = 12.345 ms
tps = 12271.838476 (without initial connection time)
`;

describe("parsePgbenchOutput", () => {
  it("reads tps, average latency and failures", () => {
    expect(parsePgbenchOutput(pgbench15Output)).toEqual({
      transactionsPerSecond: 12271.838476,
      averageLatencyMs: 0.652,
      failedTransactions: 0,
    });
  });

  it("refuses output without a summary", () => {
    expect(() => parsePgbenchOutput("pgbench: error: connection refused")).toThrow(/unexpected pgbench output/);
  });
});
