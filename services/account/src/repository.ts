/**
 * All SQL of the account service, by job, one file each in repository/ named as the job file it serves (profiles.ts,
 * sessions.ts, revocations.ts, emailed-tokens.ts, addresses.ts). Every function takes a Queryable first, so the
 * service runs it inside its transactions; they return data or outcomes (model.ts) and raise no business errors.
 */
export * from "./repository/profiles.js";
export * from "./repository/sessions.js";
export * from "./repository/revocations.js";
export * from "./repository/emailed-tokens.js";
export * from "./repository/addresses.js";
