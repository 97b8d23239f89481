import { expectOneLineStartFailure, runFailedStart } from "@polyscale/tools/testing";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The built commands shipped in the image beside the service (npm test builds first). */
const commands = {
  seed: fileURLToPath(new URL("../dist/seed.js", import.meta.url)),
  reindex: fileURLToPath(new URL("../dist/search/reindex.js", import.meta.url)),
};
const unreachable = "postgres://polyscale:not-for-logs@127.0.0.1:1/product";

// Seen (issue 16): reindex printed a raw stack on a bad setting, and a stack plus the pg error object when the
// database was unreachable; seed printed the message without its code. Every command now fails as main.ts does.
describe.each([
  ["seed", commands.seed, "product seed"],
  ["reindex", commands.reindex, "product reindex"],
] as const)("the %s command's failure", (_name, script, prefix) => {
  const env = { ...process.env, ELASTICSEARCH_URL: "http://127.0.0.1:1", LOG_LEVEL: "info" };

  it("regression: a bad setting prints one coded line naming the variable, and no stack", () => {
    const result = runFailedStart(script, { ...env, PRODUCT_PORT: "not-a-port", PRODUCT_DATABASE_URL: unreachable });
    expectOneLineStartFailure(
      result,
      new RegExp(`^${prefix} cannot run: invalid configuration: PRODUCT_PORT: .+ \\[CONFIG_INVALID\\]$`),
    );
    expect(result.stderr).not.toContain("not-for-logs");
  });

  it("regression: an unreachable database prints one coded line, without the URL's secret or a stack", () => {
    const result = runFailedStart(script, { ...env, PRODUCT_DATABASE_URL: unreachable });
    expectOneLineStartFailure(result, new RegExp(`^${prefix} cannot run: .+ \\[ECONNREFUSED\\]$`));
    expect(result.stderr).not.toContain("not-for-logs");
    expect(result.stderr).not.toMatch(/SELECT|INSERT/);
  });
});
