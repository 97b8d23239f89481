import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "@polyscale/tools/system";
import { DEFAULT_PAYMENT_WEBHOOK_SECRET } from "./config.js";

const gatewayScript = path.join(repositoryRoot, "gateway/dist/main.js");

describe("gateway start-up", () => {
  it("refuses to run in production with the development webhook secret", () => {
    const result = spawnSync(process.execPath, [gatewayScript], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        PAYMENT_WEBHOOK_SECRET: DEFAULT_PAYMENT_WEBHOOK_SECRET,
        GATEWAY_PORT: "0",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/PAYMENT_WEBHOOK_SECRET is the development default/);
  });

  it("refuses invalid configuration, naming the variable", () => {
    const result = spawnSync(process.execPath, [gatewayScript], {
      env: { ...process.env, MAX_BODY_BYTES: "lots", GATEWAY_PORT: "0" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/MAX_BODY_BYTES/);
  });
});
