import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expectOneLineStartFailure, makeTestCertificates, runFailedStart } from "@polyscale/tools/testing";
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
  // Unset, the setting's default must be the very value the guard compares with (one constant, issue 16 review).
  it.each([
    ["given", DEFAULT_PAYMENT_WEBHOOK_SECRET],
    ["left unset", undefined],
  ])("refuses to run in production with the development webhook secret %s", (_how, secret) => {
    const result = runFailedStart(gatewayScript, {
      ...process.env,
      NODE_ENV: "production",
      ...tlsFiles,
      PAYMENT_WEBHOOK_SECRET: secret,
      GATEWAY_PORT: "0",
    });
    expectOneLineStartFailure(
      result,
      /^gateway service cannot start: invalid configuration: PAYMENT_WEBHOOK_SECRET: is the development default; .+ \[CONFIG_INVALID\]$/,
    );
  });

  it("refuses to run in production without the service certificates, in one line naming them", () => {
    const { GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY, ...environment } = process.env;
    const result = runFailedStart(gatewayScript, {
      ...environment,
      NODE_ENV: "production",
      PAYMENT_WEBHOOK_SECRET: "a real secret",
      GATEWAY_PORT: "0",
    });
    expect(result.status).toBe(1);
    const lines = (result.stdout + result.stderr).split("\n").filter((line) => line.includes("GRPC_TLS_CA"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY: mutual TLS .* required with NODE_ENV=production/,
    );
  });

  // Seen (issue 16 review): main.ts checked DEFAULT_CURRENCY itself, after the settings, in an uncoded line of its own.
  it("regression: a bad DEFAULT_CURRENCY is reported with the other bad settings, in one coded line", () => {
    const result = runFailedStart(gatewayScript, {
      ...process.env,
      MAX_BODY_BYTES: "lots",
      DEFAULT_CURRENCY: "XYZ",
      GATEWAY_PORT: "0",
    });
    expectOneLineStartFailure(
      result,
      /^gateway service cannot start: invalid configuration: DEFAULT_CURRENCY: XYZ is not an ISO 4217 currency; MAX_BODY_BYTES: .+ \[CONFIG_INVALID\]$/,
    );
  });

  it("refuses invalid configuration, naming the variable", () => {
    const result = runFailedStart(gatewayScript, { ...process.env, MAX_BODY_BYTES: "lots", GATEWAY_PORT: "0" });
    expectOneLineStartFailure(
      result,
      /^gateway service cannot start: invalid configuration: MAX_BODY_BYTES: .+ \[CONFIG_INVALID\]$/,
    );
  });

  // Seen (issue 16 review): the gateway ran its wiring at module top level, unlike the services; a port in use crashed it
  // with an unhandled 'error' event and a stack.
  it("regression: a port in use fails the start-up in one line, without a stack", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = squatter.address() as AddressInfo;
      const result = runFailedStart(gatewayScript, {
        ...process.env,
        GATEWAY_PORT: String(port),
        GATEWAY_METRICS_PORT: "0",
      });
      // It had logged its metrics endpoint on stdout by then; the failure itself is the one line on stderr.
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(new RegExp(`^gateway service cannot start: .*EADDRINUSE.*${port}`)),
      ]);
      expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      squatter.close();
    }
  });
});
