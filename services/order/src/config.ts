import { commonSettings, eventSettings, setting } from "@polyscale/platform";

/** Every environment variable the order service reads. */
export const orderSettings = {
  ...commonSettings,
  ...eventSettings,
  host: setting.string("HOST", "127.0.0.1"),
  port: setting.port("ORDER_PORT", 50053),
  /** Port of the Prometheus metrics endpoint (/metrics); kept apart from the gRPC port, never public. */
  metricsPort: setting.port("ORDER_METRICS_PORT", 9467),
  /** PostgreSQL URL of the order database (`npm start` points it at the embedded server). */
  databaseUrl: setting.databaseUrl("ORDER_DATABASE_URL"),
  accountServiceAddress: setting.string("ACCOUNT_SERVICE_ADDRESS", "127.0.0.1:50051"),
  productServiceAddress: setting.string("PRODUCT_SERVICE_ADDRESS", "127.0.0.1:50052"),
  /** A held reservation older than this whose order never committed is released by the reconciler. */
  reservationTimeoutSeconds: setting.integer("RESERVATION_TIMEOUT_SECONDS", 300, { min: 1, max: 86_400 }),
  reconcileIntervalMs: setting.integer("RECONCILE_INTERVAL_MS", 60_000, { min: 100, max: 86_400_000 }),
  /** An order not paid this long after placement expires and its stock is released. */
  paymentTimeoutSeconds: setting.integer("ORDER_PAYMENT_TIMEOUT_SECONDS", 1800, { min: 1, max: 30 * 86_400 }),
  /** Most unpaid orders one account may have at once. */
  maxUnpaidOrders: setting.integer("ORDER_MAX_UNPAID_PER_ACCOUNT", 5, { min: 1, max: 10_000 }),
  /** Most units of one product one account may hold in unpaid orders at once. */
  maxHeldUnitsPerProduct: setting.integer("ORDER_MAX_HELD_UNITS_PER_PRODUCT", 20, { min: 1, max: 1_000_000 }),
  /**
   * Placements (PlaceOrder, Checkout) that run at once; the rest wait their turn in arrival order. One Node process
   * uses one core, which about this many placements in flight keep busy (most of a placement's time is spent waiting
   * for the product service and PostgreSQL); more only make each wait longer, and delay the events' relay.
   */
  maxConcurrentPlacements: setting.integer("ORDER_MAX_CONCURRENT_PLACEMENTS", 8, { min: 1, max: 10_000 }),
  /** A guest cart's token dies this long after the cart's last write (30 days); the sweep then deletes the cart. */
  guestCartTtlSeconds: setting.integer("GUEST_CART_TTL_SECONDS", 30 * 86_400, { min: 60, max: 365 * 86_400 }),
  /** How often expired guest carts are deleted (their tokens are dead from expiry on; this only frees the rows). */
  guestCartSweepIntervalMs: setting.integer("GUEST_CART_SWEEP_INTERVAL_MS", 10 * 60_000, {
    min: 100,
    max: 86_400_000,
  }),
  /** How long the start waits for this process's channels to reach the account and product services. */
  neighbourWaitMs: setting.integer("NEIGHBOUR_WAIT_MS", 10_000, { min: 0, max: 600_000 }),
};
