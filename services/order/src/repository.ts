/**
 * All SQL of the order service, by job, one file each in repository/. Every function takes a Queryable first, so
 * callers can run it inside a transaction.
 */
export * from "./repository/cart.js";
export * from "./repository/orders.js";
export * from "./repository/holds.js";
export * from "./repository/reservation-effects.js";
export * from "./repository/idempotency-keys.js";
export * from "./repository/payments.js";
