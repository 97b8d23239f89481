import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../dist/main.js", import.meta.url));

// The order service prints start-up failures as the others do (exitOnStartFailure): one coded line, no stack.
describe("order service start-up failure", () => {
  it("prints one coded line naming the bad setting, and no stack", () => {
    const result = spawnSync(process.execPath, [script], {
      env: { ...process.env, ORDER_PORT: "not-a-port", ORDER_DATABASE_URL: "postgres://127.0.0.1:1/order" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^order service cannot start: invalid configuration: ORDER_PORT: .+ \[CONFIG_INVALID\]$/),
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
