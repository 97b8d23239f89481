import { expectOneLineStartFailure, runFailedStart } from "@polyscale/tools/testing";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

const script = fileURLToPath(new URL("../dist/main.js", import.meta.url));

// The order service prints start-up failures as the others do (exitOnStartFailure): one coded line, no stack.
describe("order service start-up failure", () => {
  it("prints one coded line naming the bad setting, and no stack", () => {
    const result = runFailedStart(script, {
      ...process.env,
      ORDER_PORT: "not-a-port",
      ORDER_DATABASE_URL: "postgres://127.0.0.1:1/order",
    });
    expectOneLineStartFailure(
      result,
      /^order service cannot start: invalid configuration: ORDER_PORT: .+ \[CONFIG_INVALID\]$/,
    );
  });
});
