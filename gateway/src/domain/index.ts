/**
 * The gateway's domain layer: what a client can do, whichever skin it comes through. GraphQL resolvers, REST handlers
 * and the payment webhook all call these functions; each applies the authorization rules (authorization.ts) and the
 * throttles, checks what the gateway itself interprets (pages, price bounds) and calls the services. The skins only
 * translate shapes (GraphQL's decimal prices, REST's enum names) around them.
 */
export * from "./accounts.js";
export * from "./addresses.js";
export * from "./cart.js";
export * from "./catalog.js";
export * from "./integer-rules.js";
export * from "./orders.js";
export * from "./pages.js";
export * from "./payments.js";
export * from "./sessions.js";
