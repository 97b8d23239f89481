import proxyaddr from "proxy-addr";
import { commonSettings, setting, type Setting } from "@polyscale/platform";

/** Whether the hop-th address of a request (0 = the socket's peer) is a proxy of ours, as proxy-addr asks it. */
export type TrustProxy = (address: string, hop: number) => boolean;

const MAX_PROXY_HOPS = 10;

/**
 * TRUST_PROXY: unset, false or 0 trusts no proxy (the client is the socket's peer); a number N trusts N proxy hops;
 * otherwise a comma-separated list of trusted proxy CIDRs (or proxy-addr's names loopback, linklocal, uniquelocal).
 * "true" is refused: trusting every hop would take the left-most X-Forwarded-For entry, which the client writes.
 */
function trustProxySetting(variable: string): Setting<TrustProxy> {
  return {
    variable,
    read(raw) {
      const value = raw?.trim() ?? "";
      if (value === "" || /^(false|no|off|0)$/i.test(value)) return () => false;
      if (/^(true|yes|on)$/i.test(value)) {
        throw new Error("give the number of proxy hops in front of the gateway (e.g. 1) or their CIDRs, not true");
      }
      if (/^\d+$/.test(value)) {
        const hops = Number(value);
        if (hops > MAX_PROXY_HOPS) throw new Error(`must be at most ${MAX_PROXY_HOPS} hops (got ${hops})`);
        return (_address, hop) => hop < hops;
      }
      const trusted = value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0);
      try {
        return proxyaddr.compile(trusted);
      } catch (error) {
        throw new Error(`must be a number of hops or a list of CIDRs (${(error as Error).message})`, { cause: error });
      }
    },
  };
}

function optionalRedisUrl(variable: string): Setting<string | undefined> {
  return {
    variable,
    read(raw) {
      if (raw === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error("must be a URL");
      }
      if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new Error("must be a redis: or rediss: URL");
      return raw;
    },
  };
}

/** The development default of PAYMENT_WEBHOOK_SECRET, which production refuses. */
export const DEFAULT_PAYMENT_WEBHOOK_SECRET = "polyscale-dev-webhook-secret";

/** Every environment variable the gateway reads. */
export const gatewaySettings = {
  ...commonSettings,
  host: setting.string("HOST", "127.0.0.1"),
  port: setting.port("GATEWAY_PORT", 4000),
  /** Port of the Prometheus metrics endpoint (/metrics); kept apart from the public port. */
  metricsPort: setting.port("GATEWAY_METRICS_PORT", 9464),
  accountServiceAddress: setting.string("ACCOUNT_SERVICE_ADDRESS", "127.0.0.1:50051"),
  productServiceAddress: setting.string("PRODUCT_SERVICE_ADDRESS", "127.0.0.1:50052"),
  orderServiceAddress: setting.string("ORDER_SERVICE_ADDRESS", "127.0.0.1:50053"),
  /** HMAC-SHA256 secret of the payment provider's webhook; production refuses the development default. */
  paymentWebhookSecret: setting.developmentDefault(
    "PAYMENT_WEBHOOK_SECRET",
    DEFAULT_PAYMENT_WEBHOOK_SECRET,
    "set a real secret to run in production",
  ),
  /** ISO 4217 code whose exponent converts a decimal price sent without a currency; the product service's default too. */
  defaultCurrency: setting.currency("DEFAULT_CURRENCY", "USD"),
  maxBodyBytes: setting.integer("MAX_BODY_BYTES", 1_048_576, { min: 1024, max: 104_857_600 }),
  /** Seconds for a client's request headers, and for its whole request: a slowly trickled request is cut off. */
  httpHeadersTimeoutSeconds: setting.integer("HTTP_HEADERS_TIMEOUT_SECONDS", 10, { min: 1, max: 600 }),
  httpRequestTimeoutSeconds: setting.integer("HTTP_REQUEST_TIMEOUT_SECONDS", 30, { min: 1, max: 3600 }),
  /** Open client connections at most; further ones are dropped until some close. */
  httpMaxConnections: setting.integer("HTTP_MAX_CONNECTIONS", 10_000, { min: 1, max: 1_000_000 }),
  graphqlMaxDepth: setting.integer("GRAPHQL_MAX_DEPTH", 10, { min: 2, max: 100 }),
  graphqlMaxCost: setting.integer("GRAPHQL_MAX_COST", 5000, { min: 100, max: 1_000_000 }),
  /** Origins whose browser apps may call the API (CORS), comma-separated; "*" allows any. */
  corsAllowedOrigins: setting.list("CORS_ALLOWED_ORIGINS", ["*"]),
  /** Which proxies' X-Forwarded-For entries to believe: a hop count or CIDRs; the client is the right-most other. */
  trustProxy: trustProxySetting("TRUST_PROXY"),
  /** Where throttling counts are shared by every gateway replica; unset keeps them in this process. */
  redisUrl: optionalRedisUrl("REDIS_URL"),
  /** Failed logins for one email from one address before each further attempt must wait (1 s, 2 s, 4 s, …). */
  loginFreeAttempts: setting.integer("LOGIN_FREE_ATTEMPTS", 5, { min: 1, max: 1000 }),
  /** Failed logins from one address, whatever the email, before the waits start for that address. */
  loginFreeAttemptsPerAddress: setting.integer("LOGIN_FREE_ATTEMPTS_PER_ADDRESS", 100, { min: 1, max: 1_000_000 }),
  /** Registrations (and other expensive anonymous operations) from one address before the waits start. */
  anonymousFreeAttemptsPerAddress: setting.integer("ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS", 10, {
    min: 1,
    max: 1_000_000,
  }),
  throttleBaseDelayMs: setting.integer("THROTTLE_BASE_DELAY_MS", 1000, { min: 1, max: 60_000 }),
  throttleMaxDelaySeconds: setting.integer("THROTTLE_MAX_DELAY_SECONDS", 900, { min: 1, max: 86_400 }),
  /** Counts are forgotten after this long without attempts. */
  throttleWindowSeconds: setting.integer("THROTTLE_WINDOW_SECONDS", 900, { min: 1, max: 86_400 }),
  /** Password-hashing mutations (register, login, changePassword, createAccount) one GraphQL request may run. */
  graphqlMaxExpensiveMutations: setting.integer("GRAPHQL_MAX_EXPENSIVE_MUTATIONS", 1, { min: 1, max: 100 }),
};
