/**
 * The built service (dist/main.js) in production answers only callers with a certificate from the services' CA.
 */
import * as grpc from "@grpc/grpc-js";
import {
  checkHealth,
  createGrpcClient,
  grpcTransportFrom,
  startProcess,
  type AppError,
  type GrpcTransport,
  type RunningProcess,
} from "@polyscale/platform";
import { createScratchDatabases, makeTestCertificates } from "@polyscale/tools/testing";
import { freePort } from "@polyscale/tools/ports";
import { AccountServiceService, Role } from "@polyscale/proto/account/v1/account";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../dist/main.js", import.meta.url));

// Seen (issue 12): any process that reached a service port could call CreateAccount with role ADMIN.
describe("account service in production", () => {
  let directory: string;
  let databases: Awaited<ReturnType<typeof createScratchDatabases>>;
  let running: RunningProcess;
  let address: string;
  let services: ReturnType<typeof makeTestCertificates>;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "polyscale-account-production-"));
    services = makeTestCertificates(directory, "account");
    databases = await createScratchDatabases(["account"]);
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    const gateway = grpcTransportFrom(makeTestCertificates(directory, "gateway", services));
    running = await startProcess({
      name: "account",
      script,
      env: {
        NODE_ENV: "production",
        ACCOUNT_PORT: String(port),
        DATA_DIR: directory,
        ACCOUNT_DATABASE_URL: databases.urls.account,
        LOG_LEVEL: "warn",
        ADMIN_PASSWORD: "a strong production secret",
        JWT_PRIVATE_KEY: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        GRPC_TLS_CA: services.ca,
        GRPC_TLS_CERT: services.cert,
        GRPC_TLS_KEY: services.key,
        // Required in production; nothing here sends mail.
        SMTP_URL: "smtp://127.0.0.1:1",
      },
      isReady: () => checkHealth(address, 1000, "", gateway),
    });
  });

  afterAll(async () => {
    expect(await running?.stop()).toBe(0);
    await databases?.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  /** CreateAccount with role ADMIN over `transport`: the new account's id, or the error's code. */
  async function createAdminOver(transport: GrpcTransport): Promise<string> {
    const client = createGrpcClient(AccountServiceService, {
      name: "account service",
      address,
      deadlineMs: 5000,
      transport,
    });
    try {
      const { account } = await client.createAccount({
        name: "Intruder",
        email: `intruder-${randomUUID()}@example.com`,
        password: "intruder-password-1",
        role: Role.ROLE_ADMIN,
      });
      return account!.id;
    } catch (error) {
      return (error as AppError).code;
    } finally {
      client.close();
    }
  }

  it("refuses every caller without a certificate from the services' CA, and answers one with it", async () => {
    const stranger = makeTestCertificates(directory, "stranger");
    const refusals = {
      plaintext: await createAdminOver(grpcTransportFrom(undefined)),
      // Trusts the service's CA but presents no certificate of its own.
      withoutCertificate: await createAdminOver({
        mutualTls: false,
        server: () => grpc.ServerCredentials.createInsecure(),
        client: () => grpc.credentials.createSsl(readFileSync(services.ca)),
      }),
      // A certificate, but from another CA.
      otherCa: await createAdminOver(grpcTransportFrom({ ...stranger, ca: services.ca })),
    };
    expect(refusals).toEqual({ plaintext: "UNAVAILABLE", withoutCertificate: "UNAVAILABLE", otherCa: "UNAVAILABLE" });

    const order = grpcTransportFrom(makeTestCertificates(directory, "order", services));
    expect(await createAdminOver(order)).toMatch(/^[0-9a-f-]{36}$/);
    // Only the admin made at start and the one the certified caller created exist.
    const client = createGrpcClient(AccountServiceService, {
      name: "account service",
      address,
      deadlineMs: 5000,
      transport: order,
    });
    try {
      const { accounts } = await client.listAccounts({ skip: 0, take: 100, email: "" });
      expect(accounts.map((account) => account.name).sort()).toEqual(["Administrator", "Intruder"]);
    } finally {
      client.close();
    }
  });
});
