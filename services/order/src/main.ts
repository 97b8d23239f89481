import { createAccountClient } from "@polyscale/account";
import { createProductClient } from "@polyscale/product";
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
import { fileURLToPath } from "node:url";
import { orderSettings } from "./config.js";
import { Reconciler } from "./reconciler.js";
import { orderServiceBinding } from "./server.js";
import { OrderService } from "./service.js";

async function main(): Promise<void> {
  const config = readConfig(orderSettings);
  const logger = createLogger("order", config.logLevel);
  const database = await openServiceDatabase({
    url: config.databaseUrl,
    // dist/main.js → ../sql
    migrationsDir: fileURLToPath(new URL("../sql", import.meta.url)),
    logger,
  });
  const accounts = createAccountClient({ address: config.accountServiceAddress, deadlineMs: config.grpcDeadlineMs });
  const products = createProductClient({ address: config.productServiceAddress, deadlineMs: config.grpcDeadlineMs });
  const service = new OrderService({
    database,
    accounts,
    products,
    defaultWaitMs: config.grpcDeadlineMs,
    policy: {
      paymentWindowSeconds: config.paymentTimeoutSeconds,
      maxUnpaidOrdersPerAccount: config.maxUnpaidOrders,
      maxHeldUnitsPerProduct: config.maxHeldUnitsPerProduct,
    },
    guestCartTtlSeconds: config.guestCartTtlSeconds,
    maxConcurrentPlacements: config.maxConcurrentPlacements,
  });
  const reconciler = new Reconciler({
    database,
    products,
    logger,
    reservationTimeoutSeconds: config.reservationTimeoutSeconds,
    intervalMs: config.reconcileIntervalMs,
  });
  reconciler.start();
  const events = new ServiceEventRelay({
    database,
    source: "order",
    natsUrl: config.natsUrl,
    pollMs: config.outboxPollMs,
    lingerMs: config.outboxLingerMs,
    logger,
  });
  events.start();
  const guestCartSweep = new PeriodicPurge({
    intervalMs: config.guestCartSweepIntervalMs,
    logger,
    what: "expired guest carts",
    purge: () => service.sweepExpiredGuestCarts(),
  });
  guestCartSweep.start();

  // Services start at once (npm start, compose): until its own channel reaches a neighbour, a call to it fails
  // UNAVAILABLE for a reconnect backoff, so the first checkout after start-up could fail on a healthy system (as the
  // gateway's readiness also asks over its own channels). A neighbour that stays down only delays this start; calls to
  // it then answer UNAVAILABLE, coded, as always.
  await Promise.all([accounts.isReady(config.neighbourWaitMs), products.isReady(config.neighbourWaitMs)]);
  await serveUntilStopped({
    serviceName: "polyscale.order.v1.OrderService",
    host: config.host,
    port: config.port,
    metricsPort: config.metricsPort,
    protoFile: protoFiles.order,
    protoRoot,
    bindings: [orderServiceBinding({ service, caller: new CallerCheck({ account: accounts, logger }), logger })],
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    closers: [
      () => reconciler.stop(),
      () => guestCartSweep.stop(),
      () => accounts.close(),
      () => products.close(),
      () => events.stop(),
      () => database.close(),
    ],
  });
}

main().catch(exitOnStartFailure("order"));
