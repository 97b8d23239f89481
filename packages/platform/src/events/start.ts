import type { Logger } from "pino";
import { setting } from "../config.js";
import type { Database } from "../database.js";
import { EVENT_STREAMS, type EventSource } from "./catalogue.js";
import { JetStreamPublisher } from "./jetstream.js";
import { exportOutboxBacklog, OutboxRelay } from "./relay.js";

/** The settings of event publishing, read by every service that writes events. */
export const eventSettings = {
  /** NATS server(s) with JetStream, comma-separated; unset means events stay in a bounded outbox, unpublished. */
  natsUrl: setting.optionalNatsUrls("NATS_URL"),
  /** How often the relay looks for new outbox rows when it found none. */
  outboxPollMs: setting.integer("OUTBOX_POLL_MS", 50, { min: 5, max: 60_000 }),
};

/**
 * Starts the outbox relay of a service: publishing to its JetStream stream when natsUrl is set (the stream is created
 * or updated at connect) and exporting the outbox backlog on /metrics, or only bounding the outbox when it is not.
 * Returns the function that stops it.
 */
export function startEventRelay(options: {
  database: Database;
  source: EventSource;
  natsUrl: string | undefined;
  pollMs: number;
  logger: Logger;
}): () => Promise<void> {
  const publisher = options.natsUrl
    ? new JetStreamPublisher(
        { url: options.natsUrl, name: `polyscale-${options.source}`, stream: EVENT_STREAMS[options.source] },
        options.logger,
      )
    : undefined;
  if (publisher) exportOutboxBacklog(options.database, options.logger);
  else options.logger.warn("NATS_URL is unset: events are kept in a bounded outbox and not published");
  // A publishing relay has a connection of its own: on the service's pool it waited behind busy requests for one
  // (tens to hundreds of ms at checkout load) and then held it while the broker acknowledged.
  const relayDatabase = publisher ? options.database.separatePool(1) : options.database;
  const relay = new OutboxRelay(relayDatabase, publisher, options.logger, { pollMs: options.pollMs });
  relay.start();
  return async () => {
    await relay.stop();
    await publisher?.close();
    if (relayDatabase !== options.database) await relayDatabase.close();
  };
}
