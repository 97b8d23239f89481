import {
  CallerCheck,
  createLogger,
  exitOnStartFailure,
  openServiceDatabase,
  PeriodicPurge,
  readConfig,
  serveUntilStopped,
  ServiceEventRelay,
} from "@polyscale/platform";
import { protoFiles, protoRoot } from "@polyscale/proto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { accountSettings } from "./config.js";
import { folderMailer, smtpMailer } from "./mailer.js";
import { RevocationFeed } from "./revocation-feed.js";
import { accountServiceBinding } from "./server.js";
import { AccountService } from "./service.js";
import { AccessTokenSigner, DEVELOPMENT_KEY_FILE, developmentSigningKey } from "./tokens.js";

async function main(): Promise<void> {
  const config = readConfig(accountSettings);

  const logger = createLogger("account", config.logLevel);
  const keyFile = path.join(config.dataDir, DEVELOPMENT_KEY_FILE);
  const signer = await AccessTokenSigner.create({
    privateKey: config.jwtPrivateKey ?? (await developmentSigningKey(keyFile)),
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  if (!config.jwtPrivateKey) {
    logger.warn(
      { keyFile },
      "JWT_PRIVATE_KEY is unset: access tokens are signed with a development key kept in DATA_DIR",
    );
  }

  const database = await openServiceDatabase({
    url: config.databaseUrl,
    // dist/main.js → ../sql
    migrationsDir: fileURLToPath(new URL("../sql", import.meta.url)),
    logger,
  });
  const mailer = config.smtpUrl
    ? smtpMailer({ url: config.smtpUrl, from: config.mailFrom })
    : folderMailer({ folder: path.join(config.dataDir, "mail"), from: config.mailFrom, logger });
  if (!config.smtpUrl) {
    logger.info({ folder: path.join(config.dataDir, "mail") }, "SMTP_URL is unset: emails are written to files");
  }
  const service = new AccountService({
    database,
    signer,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
    // Called only by requests, so after the feed below exists: the feed reads what the service records.
    onRevocation: () => revocationFeed.notify(),
    mailer,
    appUrl: config.appUrl,
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
    emailVerificationTtlSeconds: config.emailVerificationTtlSeconds,
  });
  const revocationFeed = new RevocationFeed({
    source: service,
    pollMs: config.revocationPollMs,
    heartbeatMs: config.revocationHeartbeatMs,
    logger,
  });
  if (await service.ensureAdmin({ email: config.adminEmail, password: config.adminPassword })) {
    logger.info({ email: config.adminEmail }, "admin account created");
  }

  // The service verifies forwarded access tokens against its own public keys, as the other services do over gRPC.
  const callerCheck = new CallerCheck({
    account: { getSigningKeys: () => Promise.resolve({ jwksJson: service.signingKeys() }) },
    logger,
  });

  const events = new ServiceEventRelay({
    database,
    source: "account",
    natsUrl: config.natsUrl,
    pollMs: config.outboxPollMs,
    lingerMs: config.outboxLingerMs,
    logger,
  });
  events.start();
  const purge = new PeriodicPurge({
    intervalMs: config.refreshTokenPurgeIntervalMs,
    logger,
    what: "expired refresh tokens",
    purge: () => service.purgeExpiredRefreshTokens(),
  });
  purge.start();

  await serveUntilStopped({
    serviceName: "polyscale.account.v1.AccountService",
    host: config.host,
    port: config.port,
    metricsPort: config.metricsPort,
    protoFile: protoFiles.account,
    protoRoot,
    bindings: [accountServiceBinding({ service, revocations: revocationFeed, caller: callerCheck, logger })],
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    closers: [
      () => purge.stop(),
      () => revocationFeed.stop(),
      () => mailer.close(),
      () => events.stop(),
      () => database.close(),
    ],
  });
}

main().catch(exitOnStartFailure("account"));
