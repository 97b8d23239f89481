/**
 * All SQL of the order service, one file in repository/ per job file it serves (repository/rows.ts, the order rows
 * several of them read, stays out). Every function takes a Queryable first, so callers can run it inside a
 * transaction.
 */
export * from "./repository/cart.js";
export * from "./repository/placement.js";
export * from "./repository/payments.js";
export * from "./repository/lifecycle.js";
export * from "./repository/limits.js";
export * from "./repository/reservation-effects.js";
export * from "./repository/reconciler.js";
