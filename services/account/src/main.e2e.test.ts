/**
 * Starts the built service (dist/main.js) as a real process and talks to it over gRPC with a client that loads
 * account.proto itself, so the test checks the wire contract rather than our generated code.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  checkHealth,
  createGrpcClient,
  grpcTransportFrom,
  startProcess,
  type AppError,
  type GrpcTransport,
  type RunningProcess,
} from "@polyscale/platform";
import {
  createScratchDatabases,
  expectOneLineStartFailure,
  makeTestCertificates,
  runFailedStart,
} from "@polyscale/tools/testing";
import { freePort } from "@polyscale/tools/ports";
import { AccountServiceService, Role } from "@polyscale/proto/account/v1/account";
import { protoFiles, protoRoot } from "@polyscale/proto";
import { service as healthService } from "grpc-health-check";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADMIN_PASSWORD } from "./config.js";

const script = fileURLToPath(new URL("../dist/main.js", import.meta.url));

type Unary = (request: object, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void;

/** A promise-returning view of a grpc-js client made from a loaded service definition. */
function callerOf(client: grpc.Client) {
  return <Response>(method: string, request: object): Promise<Response> =>
    new Promise((resolve, reject) => {
      const unary = (client as unknown as Record<string, Unary>)[method]!.bind(client);
      unary(request, (error, response) => (error ? reject(error) : resolve(response as Response)));
    });
}

interface WireAccount {
  id: string;
  name: string;
  email: string;
  role: string;
}
interface WireSession {
  account: WireAccount;
  accessToken: string;
  refreshToken: string;
}

describe("account service process", () => {
  let dataDir: string;
  let databases: Awaited<ReturnType<typeof createScratchDatabases>>;
  let running: RunningProcess;
  let accountClient: grpc.Client;
  let healthClient: grpc.Client;
  let call: ReturnType<typeof callerOf>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "polyscale-account-e2e-"));
    databases = await createScratchDatabases(["account"]);
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    running = await startProcess({
      name: "account",
      script,
      env: {
        ACCOUNT_PORT: String(port),
        DATA_DIR: dataDir,
        ACCOUNT_DATABASE_URL: databases.urls.account,
        LOG_LEVEL: "warn",
        SHUTDOWN_TIMEOUT_MS: "600000",
      },
      isReady: () => checkHealth(address),
    });

    const definition = protoLoader.loadSync(protoFiles.account, {
      includeDirs: [protoRoot],
      enums: String,
      longs: Number,
      defaults: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      polyscale: { account: { v1: { AccountService: grpc.ServiceClientConstructor } } };
    };
    accountClient = new loaded.polyscale.account.v1.AccountService(address, grpc.credentials.createInsecure());
    call = callerOf(accountClient);
    const HealthClient = grpc.makeGenericClientConstructor(healthService, "grpc.health.v1.Health");
    healthClient = new HealthClient(address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    accountClient?.close();
    healthClient?.close();
    expect(await running?.stop()).toBe(0);
    await databases?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the standard health check as SERVING, for the server and for the service", async () => {
    const check = callerOf(healthClient);
    for (const service of ["", "polyscale.account.v1.AccountService"]) {
      await expect(check("check", { service })).resolves.toEqual({ status: "SERVING" });
    }
  });

  it("registers, logs in and reads the account back", async () => {
    const registered = await call<{ session: WireSession }>("Register", {
      name: "Ada Lovelace",
      email: "Ada@Example.com",
      password: "analytical engine",
    });
    expect(registered.session.account).toMatchObject({
      name: "Ada Lovelace",
      email: "ada@example.com",
      role: "ROLE_CUSTOMER",
    });
    expect(registered.session.accessToken.split(".")).toHaveLength(3);

    const loggedIn = await call<{ session: WireSession }>("Login", {
      email: "ada@example.com",
      password: "analytical engine",
    });
    expect(loggedIn.session.account.id).toBe(registered.session.account.id);
    expect(loggedIn.session.refreshToken).not.toBe(registered.session.refreshToken);

    const fetched = await call<{ account: WireAccount }>("GetAccount", { id: registered.session.account.id });
    expect(fetched.account).toEqual(registered.session.account);
  });

  it("sends domain errors with their gRPC code and a message naming the field", async () => {
    await expect(call("Register", { name: "Ada", email: "nope", password: "analytical engine" })).rejects.toMatchObject(
      {
        code: grpc.status.INVALID_ARGUMENT,
        details: "email: must be a valid email address",
      },
    );
    await expect(call("Login", { email: "ada@example.com", password: "wrong guess" })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: "invalid credentials",
    });
  });

  it("has created the admin account from ADMIN_EMAIL and ADMIN_PASSWORD", async () => {
    const admin = await call<{ session: WireSession }>("Login", {
      email: "admin@polyscale.local",
      password: DEFAULT_ADMIN_PASSWORD,
    });
    expect(admin.session.account.role).toBe("ROLE_ADMIN");
  });

  // Seen (issue 12 review): with a gateway's revocation stream open, stopping waited out SHUTDOWN_TIMEOUT_MS (10 s).
  it("regression: stops with a revocation stream open, ending it with UNAVAILABLE (runs last: stops the process)", async () => {
    const stream = (
      accountClient as unknown as { watchRevocations(request: object): grpc.ClientReadableStream<unknown> }
    ).watchRevocations({});
    const ended = new Promise<grpc.ServiceError>((resolve) => stream.on("error", resolve));
    await new Promise((resolve) => stream.once("data", resolve));
    // SHUTDOWN_TIMEOUT_MS is 10 minutes here: had the open stream held the server, this test would time out.
    expect(await running.stop()).toBe(0);
    expect((await ended).code).toBe(grpc.status.UNAVAILABLE);
  });
});

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
