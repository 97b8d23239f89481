import { commonSettings, eventSettings, setting, settingRule } from "@polyscale/platform";

/** Every environment variable the product service reads. */
export const productSettings = {
  ...commonSettings,
  ...eventSettings,
  host: setting.string("HOST", "127.0.0.1"),
  port: setting.port("PRODUCT_PORT", 50052),
  /** Port of the Prometheus metrics endpoint (/metrics); kept apart from the gRPC port, never public. */
  metricsPort: setting.port("PRODUCT_METRICS_PORT", 9466),
  /** PostgreSQL URL of the product database (`npm start` points it at the embedded server). */
  databaseUrl: setting.databaseUrl("PRODUCT_DATABASE_URL"),
  /** When set, search runs on Elasticsearch (kept in step by the product events; needs NATS_URL); otherwise on PostgreSQL full text. */
  elasticsearchUrl: setting.optionalHttpUrl("ELASTICSEARCH_URL"),
  elasticsearchIndex: setting.string("ELASTICSEARCH_INDEX", "products"),
  /**
   * Search results each replica keeps (PostgreSQL engine, with NATS_URL: the product events of every replica empty
   * it); 0 turns the cache off.
   */
  searchCacheEntries: setting.integer("SEARCH_CACHE_ENTRIES", 10_000, { min: 0, max: 1_000_000 }),
  /** A bad one is refused at start, with the other bad settings: else every product created without a currency would be. */
  defaultCurrency: setting.currency("DEFAULT_CURRENCY", "USD"),
  /** The account service, whose public keys verify the end-user tokens forwarded with catalogue changes. */
  accountServiceAddress: setting.string("ACCOUNT_SERVICE_ADDRESS", "127.0.0.1:50051"),
};

/**
 * The rules between product's settings that the service checks beside each setting's own, passed to readConfig by
 * main.ts. Not by the seed and reindex commands, which read the same settings but follow no events.
 */
export const productServiceRules = [
  settingRule.needs(productSettings, "elasticsearchUrl", "natsUrl", "the search index follows the product events"),
];
