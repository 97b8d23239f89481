import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type JetStreamClient,
  type StreamConfig,
} from "@nats-io/jetstream";
import { connect, headers, nanos, type NatsConnection } from "@nats-io/transport-node";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { inBackground } from "../telemetry/background.js";
import { Outage } from "../outage.js";
import type { EventPublisher, OutboxMessage } from "./publisher.js";

/** How long a publish waits for JetStream's acknowledgement before the relay retries it. */
const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Limits of every event stream, as a single-node deployment would set them: events are kept 7 days or up to 1 GiB
 * per stream (oldest dropped first), which gives consumers a week to catch up after an outage; a message is at most
 * 1 MiB; republished copies are dropped within 10 minutes (the duplicate window must outlast any relay retry). A
 * cluster raises num_replicas to 3.
 */
export const EVENT_STREAM_LIMITS = {
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_age: nanos(7 * 24 * 60 * 60 * 1000),
  max_bytes: 1024 ** 3,
  max_msg_size: 1024 ** 2,
  duplicate_window: nanos(10 * 60 * 1000),
  num_replicas: 1,
} satisfies Partial<StreamConfig>;

/**
 * Opens a NATS connection that reconnects forever; rejects when the broker cannot be reached now. `noAsyncTraces`
 * makes requests (a JetStream publish is one) skip recording where they were made for their errors' stacks.
 */
export function connectNats(
  url: string,
  name: string,
  options: { noAsyncTraces?: boolean } = {},
): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, ...options });
}

/**
 * Creates the stream, or brings an existing one to this configuration: safe to run from every replica at every start.
 */
export async function ensureStream(
  connection: NatsConnection,
  stream: { name: string; subjects: string[] },
): Promise<void> {
  const manager = await jetstreamManager(connection);
  const config = { ...EVENT_STREAM_LIMITS, name: stream.name, subjects: stream.subjects };
  try {
    await manager.streams.info(stream.name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
      await manager.streams.add(config);
      return;
    }
    throw error;
  }
  await manager.streams.update(stream.name, config);
}

/**
 * A durable pull consumer of a stream (created, or updated to this configuration): every message is delivered until
 * it is acknowledged; replicas that read the same durable consumer share its messages. ackWaitMs is how long a
 * delivered message may stay unacknowledged (a crashed reader) before it is delivered again.
 */
export async function durableConsumer(
  connection: NatsConnection,
  options: { stream: string; name: string; filterSubject: string; ackWaitMs: number },
): Promise<Consumer> {
  const manager = await jetstreamManager(connection);
  const config = {
    durable_name: options.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs),
    // One subject (filter_subjects needs nats-server 2.10; Debian 12 ships 2.9).
    filter_subject: options.filterSubject,
  };
  try {
    await manager.consumers.info(options.stream, options.name);
    await manager.consumers.update(options.stream, options.name, config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
    await manager.consumers.add(options.stream, config);
  }
  return jetstream(connection).consumers.get(options.stream, options.name);
}

/** What a JetStreamPublisher is built from, in one object like every service and background job's (CONTRIBUTING.md). */
export interface JetStreamPublisherOptions {
  /** NATS server(s), comma-separated. */
  url: string;
  /** The connection's name, as the broker lists it (e.g. polyscale-order). */
  name: string;
  /** The stream the messages' subjects belong to, created or updated at each connect (ensureStream). */
  stream: { name: string; subjects: string[] };
  logger: Logger;
}

/**
 * Publishes outbox messages to JetStream with the event id as Nats-Msg-Id, so JetStream stores a retried message
 * once, a previousId as Nats-Expected-Last-Msg-Id, and the W3C traceparent/tracestate of the writing request as
 * headers when it was traced. Messages go out on one connection in call order, and JetStream stores a stream's
 * messages in the order they arrive. It connects in the background and keeps reconnecting, so a service starts and
 * works while the broker is down; the relay holds events back until isConnected() is true again.
 */
export class JetStreamPublisher implements EventPublisher {
  private connection: NatsConnection | undefined;
  private client: JetStreamClient | undefined;
  private connected = false;
  private closing = false;
  private readonly started: Promise<void>;
  /** Ends a pause between attempts when the publisher closes. */
  private readonly closed = new AbortController();
  /** Paces the attempts (1 s doubling to 60 s) and logs the broker going away and coming back, once each. */
  private readonly outage: Outage;

  constructor(private readonly options: JetStreamPublisherOptions) {
    this.outage = new Outage(options.logger, {
      code: "NATS_UNREACHABLE",
      message: "NATS unreachable; events wait in the outbox",
      recoveredMessage: "NATS reachable again; publishing the outbox",
    });
    this.started = inBackground(() => this.open())();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async publish(message: OutboxMessage): Promise<void> {
    if (!this.client || !this.connected) throw new Error("not connected to NATS");
    const messageHeaders = headers();
    messageHeaders.set("Content-Type", "application/cloudevents+json");
    if (message.traceparent) messageHeaders.set("traceparent", message.traceparent);
    if (message.tracestate) messageHeaders.set("tracestate", message.tracestate);
    await this.client.publish(message.subject, message.body, {
      msgID: message.id,
      timeout: PUBLISH_TIMEOUT_MS,
      headers: messageHeaders,
      ...(message.previousId ? { expect: { lastMsgID: message.previousId } } : {}),
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.closed.abort();
    await this.started;
    this.connected = false;
    await this.connection?.close();
  }

  private async open(): Promise<void> {
    while (!this.closing) {
      try {
        // A publish is a request, which otherwise builds two Error objects (stack traces) for context it may never
        // need: about a tenth of the relay's CPU per event. A failed publish is logged by its message and retried.
        this.connection = await connectNats(this.options.url, this.options.name, { noAsyncTraces: true });
        break;
      } catch (error) {
        await this.pause(this.outage.failed(error));
      }
    }
    const connection = this.connection;
    if (!connection || this.closing) return;
    this.client = jetstream(connection);
    await this.ready(connection);
    void this.watch(connection);
  }

  /** Makes sure the stream exists (a broker that lost its storage comes back without it), then allows publishing. */
  private async ready(connection: NatsConnection): Promise<void> {
    while (!this.closing && !connection.isClosed()) {
      try {
        await ensureStream(connection, this.options.stream);
        this.connected = true;
        if (this.outage.down) this.outage.recovered();
        else this.options.logger.info({ stream: this.options.stream.name }, "publishing events to NATS JetStream");
        return;
      } catch (error) {
        await this.pause(this.outage.failed(error));
      }
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === "disconnect") {
        this.connected = false;
        // The client reconnects on its own; this only logs the loss, once.
        this.outage.failed();
      } else if (status.type === "reconnect") {
        await this.ready(connection);
      }
    }
  }

  /** Waits `ms`, or less if the publisher closes meanwhile. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.closed.signal }).catch(() => undefined);
  }
}
