import { createLogger, exitOnStartFailure, readConfig, startMetricsServer, stopOnSignals } from "@polyscale/platform";
import { TokenVerifier } from "./auth.js";
import { RevocationChecker } from "./revocations.js";
import { gatewaySettings } from "./config.js";
import { createGatewayServer } from "./server.js";
import { closeServices, connectServices } from "./services.js";
import { MemoryThrottleStore, RedisThrottleStore } from "./throttle-stores.js";
import { Throttle } from "./throttle.js";

async function main(): Promise<void> {
  const config = readConfig(gatewaySettings);
  const logger = createLogger("gateway", config.logLevel);

  const metrics = await startMetricsServer({ host: config.host, port: config.metricsPort, logger });
  const services = connectServices(config);
  const revocations = new RevocationChecker({ account: services.account, logger });
  revocations.start();
  const rule = (name: string, freeAttempts: number) => ({
    name,
    freeAttempts,
    baseDelayMs: config.throttleBaseDelayMs,
    maxDelayMs: config.throttleMaxDelaySeconds * 1000,
    windowMs: config.throttleWindowSeconds * 1000,
  });
  const throttle = new Throttle({
    store: config.redisUrl ? new RedisThrottleStore({ url: config.redisUrl, logger }) : new MemoryThrottleStore(),
    rules: {
      loginPerEmailAndAddress: rule("login-pair", config.loginFreeAttempts),
      loginPerAddress: rule("login-address", config.loginFreeAttemptsPerAddress),
      anonymousPerAddress: rule("anonymous-address", config.anonymousFreeAttemptsPerAddress),
    },
  });
  const server = createGatewayServer({
    ...config,
    logger,
    services,
    throttle,
    verifier: new TokenVerifier({ account: services.account, logger, revocations }),
  });

  // A port in use (or any listen error) fails the start-up in one line, like every other start-up failure.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  logger.info({ host: config.host, port: config.port }, "gateway listening");

  stopOnSignals(
    logger,
    [
      // Stop accepting, let requests in flight finish, then drop idle keep-alive connections.
      () =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeIdleConnections();
        }),
      () => revocations.stop(),
      () => closeServices(services),
      () => throttle.close(),
      () => metrics.close(),
    ],
    config.shutdownTimeoutMs,
  );
}

main().catch(exitOnStartFailure("gateway"));
