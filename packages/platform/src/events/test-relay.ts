/**
 * What the outbox and relay tests share (outbox, relay, relay-batch, relay-leadership, relay-pruning): per file a real
 * NATS server, per test a scratch database with the outbox table, a connected JetStreamPublisher and a reader of the
 * order stream, the events they record, and the reads they check the stream and the table with.
 */
import { jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from "vitest";
import type { DatabaseBackend, TestDatabase } from "@polyscale/tools/testing";
import { startNatsServer, type TestNatsServer } from "@polyscale/tools/nats-server";
import { outboxMigrations } from "@polyscale/tools/scratch-databases";
import type { Database } from "../database.js";
import { createLogger } from "../logger.js";
import { domainEvent, EVENT_STREAMS, type CloudEvent, type DomainEvent } from "./catalogue.js";
import { connectNats, JetStreamPublisher } from "./jetstream.js";
import type { EventPublisher, OutboxMessage } from "./publisher.js";
import { OutboxRelay } from "./relay.js";

export const logger = createLogger("relay-test", "silent");
export const stream = EVENT_STREAMS.order;

/** An order.placed event of `orderId` with one line, totalling `totalCents` (minor units) EUR. */
export function placed(orderId: string, totalCents = 1_000): DomainEvent {
  return domainEvent("order.placed", orderId, {
    orderId,
    accountId: "0193a0a0-0000-7000-8000-00000000000a",
    lines: [
      {
        productId: "p1",
        variantId: "p1",
        sku: "BOOTS-42",
        name: "Boots",
        unitPriceCents: totalCents,
        quantity: 1,
        lineTotalCents: totalCents,
      },
    ],
    totalCents,
    currency: "EUR",
    createdAt: new Date("2026-01-02T03:04:05.678Z"),
  });
}

/** A status change of `orderId` from `from` to `to`, as the event `name`. */
export function moved(orderId: string, name: "order.paid" | "order.fulfilled", from: string, to: string): DomainEvent {
  return domainEvent(name, orderId, {
    orderId,
    accountId: "0193a0a0-0000-7000-8000-00000000000a",
    fromStatus: from,
    toStatus: to,
    totalCents: 1_000,
    currency: "EUR",
  });
}

/** Counts what a real publisher was asked to send, to tell a double send that JetStream then deduplicated. */
export class CountingPublisher implements EventPublisher {
  readonly sent: string[] = [];
  constructor(private readonly inner: EventPublisher) {}
  isConnected() {
    return this.inner.isConnected();
  }
  async publish(message: OutboxMessage) {
    await this.inner.publish(message);
    this.sent.push(message.id);
  }
  close() {
    return this.inner.close();
  }
}

export interface Received {
  envelope: CloudEvent;
  msgId: string | undefined;
  subject: string;
}

/** Everything in the stream, in stream order, once it holds at least `count` messages (waiting up to `timeoutMs`). */
export async function readStream(connection: NatsConnection, count: number, timeoutMs = 30_000): Promise<Received[]> {
  // The reader's connection may still be reconnecting to a broker that was just restarted.
  let manager: JetStreamManager | undefined;
  await vi.waitFor(
    async () => {
      manager ??= await jetstreamManager(connection);
      expect((await manager.streams.info(stream.name)).state.messages).toBeGreaterThanOrEqual(count);
    },
    { timeout: timeoutMs, interval: 50 },
  );
  const total = (await manager!.streams.info(stream.name)).state.messages;
  const consumer = await jetstream(connection).consumers.get(stream.name);
  const received: Received[] = [];
  while (received.length < total) {
    const batch = await consumer.fetch({ max_messages: total - received.length, expires: 2_000 });
    for await (const message of batch as AsyncIterable<JsMsg>) {
      received.push({
        envelope: message.json<CloudEvent>(),
        msgId: message.headers?.get("Nats-Msg-Id"),
        subject: message.subject,
      });
    }
  }
  return received;
}

/** The number of outbox rows: events not yet published, or published and not yet deleted. */
export async function pendingCount(database: Database): Promise<number> {
  const result = await database.query<{ count: number }>("SELECT count(*)::int AS count FROM event_outbox");
  return result.rows[0]!.count;
}

/** The systems one test file's tests run against, set by the hooks `relayTestBed` registers. */
export interface RelayTestBed {
  /** The file's NATS server (tests may kill and restart it). */
  readonly nats: TestNatsServer;
  /** This test's scratch database with the outbox table, and its open `Database`. */
  readonly test: TestDatabase;
  readonly database: Database;
  /** A publisher to the order stream, connected before the test starts. */
  readonly publisher: JetStreamPublisher;
  /** A connection of the test's own to read the stream with (`readStream`); the stream is empty when a test starts. */
  readonly reader: NatsConnection;
  /** The relays of this test, stopped after it; a test that stops them itself empties the list. */
  readonly relays: OutboxRelay[];
  /** A relay (polling every 10 ms, batches of 50) over `database` and `publisher` unless given, stopped after the test. */
  relay: (options?: { database?: Database; publisher?: EventPublisher | undefined }) => OutboxRelay;
}

/**
 * Registers the hooks of a relay test file inside its `describe.each(databaseBackends())` on `backend`: a NATS server
 * for the file, and before each test a scratch database, a connected publisher and an empty stream. Read the fields
 * inside tests (they are set by the hooks).
 */
export function relayTestBed(backend: DatabaseBackend): RelayTestBed {
  let migrationsDir: string;
  let nats: TestNatsServer;
  let test: TestDatabase;
  let publisher: JetStreamPublisher;
  let reader: NatsConnection;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    // The outbox table exactly as the services' migrations define it.
    migrationsDir = outboxMigrations();
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats.close();
    rmSync(migrationsDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    test = await backend.open(migrationsDir);
    publisher = new JetStreamPublisher({ url: nats.url, name: "relay-test", stream, logger });
    await vi.waitFor(() => expect(publisher.isConnected()).toBe(true), { timeout: 15_000 });
    reader = await connectNats(nats.url, "relay-test-reader");
    await (await jetstreamManager(reader)).streams.purge(stream.name);
  });

  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await reader.close();
    await publisher.close();
    await test.close();
  });

  return {
    get nats() {
      return nats;
    },
    get test() {
      return test;
    },
    get database() {
      return test.database;
    },
    get publisher() {
      return publisher;
    },
    get reader() {
      return reader;
    },
    relays,
    relay: (options = {}) => {
      const created = new OutboxRelay({
        database: options.database ?? test.database,
        publisher: "publisher" in options ? options.publisher : publisher,
        logger,
        pollMs: 10,
        batchSize: 50,
      });
      relays.push(created);
      return created;
    },
  };
}
