import { commonSettings, setting } from "@polyscale/platform";

/** Every environment variable the gateway reads. */
export const gatewaySettings = {
  ...commonSettings,
  host: setting.string("HOST", "127.0.0.1"),
  port: setting.port("GATEWAY_PORT", 4000),
  accountServiceAddress: setting.string("ACCOUNT_SERVICE_ADDRESS", "127.0.0.1:50051"),
  productServiceAddress: setting.string("PRODUCT_SERVICE_ADDRESS", "127.0.0.1:50052"),
  orderServiceAddress: setting.string("ORDER_SERVICE_ADDRESS", "127.0.0.1:50053"),
  /** HMAC-SHA256 secret of the payment provider's webhook; production refuses the development default. */
  paymentWebhookSecret: setting.string("PAYMENT_WEBHOOK_SECRET", "polyscale-dev-webhook-secret"),
  maxBodyBytes: setting.integer("MAX_BODY_BYTES", 1_048_576, { min: 1024, max: 104_857_600 }),
  graphqlMaxDepth: setting.integer("GRAPHQL_MAX_DEPTH", 10, { min: 2, max: 100 }),
  graphqlMaxCost: setting.integer("GRAPHQL_MAX_COST", 5000, { min: 100, max: 1_000_000 }),
  /** Origins whose browser apps may call the API (CORS), comma-separated; "*" allows any. */
  corsAllowedOrigins: setting.list("CORS_ALLOWED_ORIGINS", ["*"]),
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: setting.boolean("TRUST_PROXY", false),
};

/** The development default of PAYMENT_WEBHOOK_SECRET, which production refuses. */
export const DEFAULT_PAYMENT_WEBHOOK_SECRET = "polyscale-dev-webhook-secret";
