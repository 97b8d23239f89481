/**
 * The built service (dist/main.js) refusing to start on bad settings: config.ts's rules, production's requirements,
 * each reported in the one CONFIG_INVALID line, before the database is touched.
 */
import { expectOneLineStartFailure, makeTestCertificates, runFailedStart } from "@polyscale/tools/testing";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_ADMIN_PASSWORD } from "./config.js";

const script = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe("account service start-up in production", () => {
  function startInProduction(env: Record<string, string | undefined>) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-account-e2e-"));
    try {
      const certificates = makeTestCertificates(dataDir, "account");
      // The checks below come before the database is opened: a URL where nothing listens is enough, and a start
      // that got as far as the database would fail on it instead.
      return runFailedStart(script, {
        ...process.env,
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        DATA_DIR: dataDir,
        ACCOUNT_PORT: "0",
        ACCOUNT_DATABASE_URL: "postgres://127.0.0.1:1/account",
        GRPC_TLS_CA: certificates.ca,
        GRPC_TLS_CERT: certificates.cert,
        GRPC_TLS_KEY: certificates.key,
        SMTP_URL: "smtp://127.0.0.1:1",
        ...env,
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  const jwtPrivateKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const keyBody = jwtPrivateKey.split("\n")[1]!;

  // Unset, the setting's default must be the very value the guard compares with (one constant, issue 16 review).
  it.each([
    ["given", DEFAULT_ADMIN_PASSWORD],
    ["left unset", undefined],
  ])("refuses the default admin password %s, says why, and prints no secret", (_how, password) => {
    const result = startInProduction({ ADMIN_PASSWORD: password, JWT_PRIVATE_KEY: jwtPrivateKey });
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toContain("ADMIN_PASSWORD: is the development default");
    expect(output).not.toContain(DEFAULT_ADMIN_PASSWORD);
    expect(output).not.toContain(keyBody);
  });

  it("refuses to run without JWT_PRIVATE_KEY", () => {
    const result = startInProduction({ ADMIN_PASSWORD: "a strong production secret" });
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toContain("JWT_PRIVATE_KEY: is required in production");
    expect(output).not.toContain("a strong production secret");
  });

  // Seen (issue 12 review): production without SMTP_URL started and wrote reset links (credentials) to DATA_DIR/mail.
  it("regression: refuses to run without SMTP_URL, in one line", () => {
    const result = startInProduction({
      ADMIN_PASSWORD: "a strong production secret",
      JWT_PRIVATE_KEY: jwtPrivateKey,
      SMTP_URL: "",
    });
    expectOneLineStartFailure(
      result,
      /^account service cannot start: invalid configuration: SMTP_URL: is required in production .+ \[CONFIG_INVALID\]$/,
    );
  });

  // Seen (issue 16 review): main.ts checked production's requirements itself, one at a time and only once every
  // setting had been read, so a bad port hid them and each came as an uncoded line of its own.
  it("regression: production's requirements are reported with the other bad settings, in one coded line", () => {
    const result = startInProduction({ ACCOUNT_PORT: "not-a-port", SMTP_URL: "" });
    expectOneLineStartFailure(
      result,
      new RegExp(
        "^account service cannot start: invalid configuration: ACCOUNT_PORT: .+; " +
          "JWT_PRIVATE_KEY: is required in production .+; SMTP_URL: is required in production .+; " +
          "ADMIN_PASSWORD: is the development default; .+ \\[CONFIG_INVALID\\]$",
      ),
    );
    expect(result.stderr).not.toContain(DEFAULT_ADMIN_PASSWORD);
  });

  // Every service prints a start-up failure the same way (issue 16): several bad settings, one coded line, no stack.
  it("reports bad settings in one coded line naming each variable, with no stack", () => {
    const result = startInProduction({
      ADMIN_PASSWORD: "a strong production secret",
      JWT_PRIVATE_KEY: jwtPrivateKey,
      ACCOUNT_PORT: "not-a-port",
      ACCESS_TOKEN_TTL_SECONDS: "-1",
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^account service cannot start: invalid configuration: ACCOUNT_PORT: .+; ACCESS_TOKEN_TTL_SECONDS: .+ \[CONFIG_INVALID\]$/,
      ),
    ]);
    expect(result.stderr).not.toContain("a strong production secret");
  });

  // Seen (issue 16 re-check): the key's format was checked after readConfig, outside it: a bad key came alone, as an
  // uncoded line, once every other setting was right.
  it("regression: a JWT_PRIVATE_KEY that is no Ed25519 key is refused with the other bad settings, never repeated", () => {
    const result = startInProduction({
      ADMIN_PASSWORD: "a strong production secret",
      JWT_PRIVATE_KEY: "secret garbage, not a key",
      ACCOUNT_PORT: "not-a-port",
    });
    expectOneLineStartFailure(
      result,
      /^account service cannot start: invalid configuration: ACCOUNT_PORT: .+; JWT_PRIVATE_KEY: is not a PEM private key \[CONFIG_INVALID\]$/,
    );
    expect(result.stderr).not.toContain("secret garbage");
  });

  // Seen (issue 12 review): GRPC_TLS_CA=/nonexistent was reported only after the database had been opened and
  // migrated, and "metrics at /metrics" was logged after the fatal line.
  it("regression: an unreadable TLS file is refused before the database is touched, and nothing follows", () => {
    const result = startInProduction({
      ADMIN_PASSWORD: "a strong production secret",
      JWT_PRIVATE_KEY: jwtPrivateKey,
      GRPC_TLS_CA: "/nonexistent",
    });
    expect(result.status).toBe(1);
    // The database URL leads nowhere: had the start reached it, this would be a connection failure instead.
    expect(result.stderr).toContain("GRPC_TLS_CA: cannot read /nonexistent");
    expect(result.stderr).toMatch(/^account service cannot start:/);
    expect(result.stdout).toBe("");
  });
});
