/**
 * All SQL of the account service, by job, one file each in repository/. Every function takes a Queryable first, so
 * the service runs it inside its transactions; they return data or outcomes (model.ts) and raise no business errors.
 */
export * from "./repository/accounts.js";
export * from "./repository/refresh-tokens.js";
export * from "./repository/revocations.js";
export * from "./repository/emailed-tokens.js";
export * from "./repository/addresses.js";
