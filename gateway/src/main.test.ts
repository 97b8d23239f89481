import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeTestCertificates } from "@polyscale/platform/testing";
import { afterAll, describe, expect, it } from "vitest";
import { repositoryRoot } from "@polyscale/tools/system";
import { DEFAULT_PAYMENT_WEBHOOK_SECRET } from "./config.js";

const gatewayScript = path.join(repositoryRoot, "gateway/dist/main.js");
// Production needs the service certificates, readable: every setting is checked before anything else.
const directory = mkdtempSync(path.join(tmpdir(), "gateway-main-test-"));
const certificates = makeTestCertificates(directory, "gateway");
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const tlsFiles = { GRPC_TLS_CA: certificates.ca, GRPC_TLS_CERT: certificates.cert, GRPC_TLS_KEY: certificates.key };

describe("gateway start-up", () => {
  it("refuses to run in production with the development webhook secret", () => {
    const result = spawnSync(process.execPath, [gatewayScript], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        ...tlsFiles,
        PAYMENT_WEBHOOK_SECRET: DEFAULT_PAYMENT_WEBHOOK_SECRET,
        GATEWAY_PORT: "0",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/PAYMENT_WEBHOOK_SECRET is the development default/);
  });

  it("refuses to run in production without the service certificates, in one line naming them", () => {
    const { GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY, ...environment } = process.env;
    const result = spawnSync(process.execPath, [gatewayScript], {
      env: { ...environment, NODE_ENV: "production", PAYMENT_WEBHOOK_SECRET: "a real secret", GATEWAY_PORT: "0" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = (result.stdout + result.stderr).split("\n").filter((line) => line.includes("GRPC_TLS_CA"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY: mutual TLS .* required with NODE_ENV=production/,
    );
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
