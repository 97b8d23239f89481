import {
  CallerCheck,
  createLogger,
  exitOnStartFailure,
  readConfig,
  serveUntilStopped,
  ServiceEventRelay,
} from "@polyscale/platform";
import { createAccountClient } from "@polyscale/account";
import { protoFiles, protoRoot } from "@polyscale/proto";
import { productServiceRules, productSettings } from "./config.js";
import { openSearch } from "./search/open.js";
import { productServiceBinding } from "./server.js";
import { ProductService } from "./service.js";
import { openProductDatabase } from "./storage.js";

async function main(): Promise<void> {
  const config = readConfig(productSettings, process.env, productServiceRules);
  const logger = createLogger("product", config.logLevel);

  const database = await openProductDatabase(config, logger);
  const events = new ServiceEventRelay({
    database,
    source: "product",
    natsUrl: config.natsUrl,
    pollMs: config.outboxPollMs,
    lingerMs: config.outboxLingerMs,
    logger,
  });
  events.start();
  const search = await openSearch({ config, database, logger });
  search.job?.start();
  logger.info({ engine: search.engine.name }, "search engine ready");
  const service = new ProductService({
    database,
    searchEngine: search.engine,
    defaultCurrency: config.defaultCurrency,
  });
  // Only for the account service's public keys, fetched on the first call that forwards an end-user token.
  const accounts = createAccountClient({ address: config.accountServiceAddress, deadlineMs: config.grpcDeadlineMs });

  await serveUntilStopped({
    serviceName: "polyscale.product.v1.ProductService",
    host: config.host,
    port: config.port,
    metricsPort: config.metricsPort,
    protoFile: protoFiles.product,
    protoRoot,
    bindings: [productServiceBinding({ service, caller: new CallerCheck({ account: accounts, logger }), logger })],
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    closers: [
      () => search.job?.stop(),
      ...search.closers,
      () => events.stop(),
      () => accounts.close(),
      () => database.close(),
    ],
  });
}

main().catch(exitOnStartFailure("product"));
