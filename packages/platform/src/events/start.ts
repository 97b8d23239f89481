import type { Logger } from "pino";
import { setting } from "../config.js";
import type { Database } from "../database.js";
import { EVENT_STREAMS, type EventSource } from "./catalogue.js";
import { JetStreamPublisher } from "./jetstream.js";
import { exportOutboxBacklog } from "./backlog-metrics.js";
import { OutboxRelay } from "./relay.js";

/** The settings of event publishing, read by every service that writes events. */
export const eventSettings = {
  /** NATS server(s) with JetStream, comma-separated; unset means events stay in a bounded outbox, unpublished. */
  natsUrl: setting.optionalNatsUrls("NATS_URL"),
  /** How often the relay looks for new outbox rows when it found none. */
  outboxPollMs: setting.integer("OUTBOX_POLL_MS", 50, { min: 5, max: 60_000 }),
  /**
   * How long the relay waits after a commit woke it, so events committed close together share a batch (fewer
   * statements and broker round trips per event, at up to this much more event lag). 0: publish at once.
   */
  outboxLingerMs: setting.integer("OUTBOX_LINGER_MS", 0, { min: 0, max: 1_000 }),
};

export interface ServiceEventRelayOptions {
  database: Database;
  /** The service whose outbox is relayed; names the JetStream stream and the NATS connection. */
  source: EventSource;
  /** Unset: no publishing, the outbox is only kept bounded. */
  natsUrl: string | undefined;
  /** How often the relay looks for new outbox rows when it found none. */
  pollMs: number;
  /** How long the relay waits after a commit woke it, so events committed close together share a batch. */
  lingerMs: number;
  logger: Logger;
}

/**
 * The outbox relay of a service, a background job like `PeriodicJob`: `start()` publishes to the service's JetStream
 * stream when natsUrl is set (the stream is created or updated at connect) and exports the outbox backlog on
 * /metrics, or only bounds the outbox when it is not; `stop()` waits for the relay, then closes the NATS connection
 * and the relay's own pool.
 */
export class ServiceEventRelay {
  private running: { relay: OutboxRelay; publisher?: JetStreamPublisher; relayDatabase: Database } | undefined;

  constructor(private readonly options: ServiceEventRelayOptions) {}

  start(): void {
    if (this.running) return;
    const { database, source, natsUrl, pollMs, lingerMs, logger } = this.options;
    const publisher = natsUrl
      ? new JetStreamPublisher({ url: natsUrl, name: `polyscale-${source}`, stream: EVENT_STREAMS[source], logger })
      : undefined;
    if (publisher) exportOutboxBacklog(database, logger);
    else logger.warn("NATS_URL is unset: events are kept in a bounded outbox and not published");
    // A publishing relay has a connection of its own: on the service's pool it waited behind busy requests for one
    // (tens to hundreds of ms at checkout load). The leading replica keeps it, with the relay lock.
    const relayDatabase = publisher ? database.separatePool(1) : database;
    const relay = new OutboxRelay({ database: relayDatabase, publisher, logger, pollMs, lingerMs });
    relay.start();
    this.running = { relay, publisher, relayDatabase };
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await running.relay.stop();
    await running.publisher?.close();
    if (running.relayDatabase !== this.options.database) await running.relayDatabase.close();
  }
}
