export * from "./catalogue.js";
export * from "./jetstream.js";
export * from "./outbox.js";
export * from "./publisher.js";
export * from "./relay.js";
export * from "./start.js";
