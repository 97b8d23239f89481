import { jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Database } from "../database.js";
import { newId } from "../ids.js";
import { createLogger } from "../logger.js";
import { databaseBackends, type TestDatabase } from "@polyscale/tools/testing";
import { startNatsServer, type TestNatsServer } from "@polyscale/tools/nats-server";
import { domainEvent, EVENT_STREAMS, eventData, type CloudEvent, type DomainEvent } from "./catalogue.js";
import { connectNats, JetStreamPublisher } from "./jetstream.js";
import { recordEvents } from "./outbox.js";
import type { EventPublisher, OutboxMessage } from "./publisher.js";
import { OutboxRelay } from "./relay.js";

const logger = createLogger("relay-test", "silent");
const stream = EVENT_STREAMS.order;

/** The outbox table exactly as the services' migrations define it (any service's copy; they are the same). */
const migrationsDir = mkdtempSync(path.join(tmpdir(), "polyscale-outbox-sql-"));
for (const migration of ["140_event_outbox.sql", "190_event_outbox_trace_context.sql"]) {
  copyFileSync(
    fileURLToPath(new URL(`../../../../services/order/sql/${migration}`, import.meta.url)),
    path.join(migrationsDir, migration),
  );
}
afterAll(() => rmSync(migrationsDir, { recursive: true, force: true }));

function placed(orderId: string, totalCents = 1_000): DomainEvent {
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

function moved(orderId: string, name: "order.paid" | "order.fulfilled", from: string, to: string): DomainEvent {
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
class CountingPublisher implements EventPublisher {
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

interface Received {
  envelope: CloudEvent;
  msgId: string | undefined;
  subject: string;
}

/** Everything in the stream, in stream order, once it holds at least `count` messages. */
async function readStream(connection: NatsConnection, count: number, timeoutMs = 30_000): Promise<Received[]> {
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

async function unsentCount(database: Database): Promise<number> {
  const result = await database.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM event_outbox WHERE sent_at IS NULL",
  );
  return result.rows[0]!.count;
}

describe.each(databaseBackends())("transactional outbox and JetStream relay on $name", (backend) => {
  let nats: TestNatsServer;
  let test: TestDatabase;
  let database: Database;
  let publisher: JetStreamPublisher;
  let reader: NatsConnection;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats.close();
  });

  beforeEach(async () => {
    test = await backend.open(migrationsDir);
    database = test.database;
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

  function relay(options: { database?: Database; publisher?: EventPublisher | undefined } = {}): OutboxRelay {
    const created = new OutboxRelay({
      database: options.database ?? database,
      publisher: "publisher" in options ? options.publisher : publisher,
      logger,
      pollMs: 10,
      batchSize: 50,
    });
    relays.push(created);
    return created;
  }

  it("publishes a committed event once, as a CloudEvent on its subject with the event id as Nats-Msg-Id", async () => {
    const orderId = newId();
    await database.transaction((tx) => recordEvents(tx, [placed(orderId, 4_250)]));
    const only = relay();
    expect(await only.relayBatch()).toEqual({ published: 1, failed: 0 });

    const [message, ...rest] = await readStream(reader, 1);
    expect(rest).toEqual([]);
    expect(message!.subject).toBe("polyscale.order.placed");
    expect(message!.envelope).toEqual({
      specversion: "1.0",
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      source: "/polyscale/order",
      type: "polyscale.order.placed",
      subject: orderId,
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      datacontenttype: "application/json",
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      data: expect.any(Object),
    });
    expect(message!.msgId).toBe(message!.envelope.id);
    expect(eventData("order.placed", message!.envelope)).toEqual(placed(orderId, 4_250).data);
    expect(await unsentCount(database)).toBe(0);
    // Nothing left to send.
    expect(await only.relayBatch()).toEqual({ published: 0, failed: 0 });
  });

  it("publishes an event of this process as soon as its transaction commits, not at the next poll", async () => {
    const patient = new OutboxRelay({ database, publisher, logger, pollMs: 60_000 });
    relays.push(patient);
    patient.start();
    // Its first look finds nothing; the next poll would be a minute away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const orderId = newId();
    await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    const received = await readStream(reader, 1, 10_000);
    expect(received.map((message) => message.envelope.subject)).toEqual([orderId]);
  });

  it("under a steady stream of commits sends each event once, and leaves none unmarked once idle or stopped", async () => {
    // A busy relay leaves a batch's acknowledged rows to be marked sent by its next read, which must not read them
    // again; an idle one marks them before it pauses.
    const counting = new CountingPublisher(publisher);
    const busy = relay({ publisher: counting });
    busy.start();
    const orders = Array.from({ length: 40 }, () => newId());
    const buyers = Array.from({ length: 4 }, async (_, buyer) => {
      for (const orderId of orders.filter((_, index) => index % 4 === buyer)) {
        await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
        await database.transaction((tx) => recordEvents(tx, [moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID")]));
      }
    });
    await Promise.all(buyers);
    const received = await readStream(reader, 80);
    expect(received).toHaveLength(80);
    await vi.waitFor(async () => expect(await unsentCount(database)).toBe(0));
    expect(counting.sent).toHaveLength(80);
    expect(new Set(counting.sent).size).toBe(80);
    for (const orderId of orders) {
      expect(received.filter((message) => message.envelope.subject === orderId).map((m) => m.envelope.type)).toEqual([
        "polyscale.order.placed",
        "polyscale.order.paid",
      ]);
    }

    await database.transaction((tx) => recordEvents(tx, [placed(newId())]));
    await readStream(reader, 81);
    await busy.stop();
    expect(await unsentCount(database)).toBe(0);
    expect(counting.sent).toHaveLength(81);
  });

  it("writes no event for a change that rolled back", async () => {
    await expect(
      database.transaction(async (tx) => {
        await recordEvents(tx, [placed(newId())]);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    const committed = newId();
    await database.transaction((tx) => recordEvents(tx, [placed(committed)]));
    await relay().relayBatch();

    const received = await readStream(reader, 1);
    expect(received.map((message) => message.envelope.subject)).toEqual([committed]);
  });

  it("publishes events committed by a process that died before publishing them", async () => {
    // The "dead" process committed and never ran a relay; a fresh process (its own connection) publishes them.
    const orderId = newId();
    await database.transaction((tx) =>
      recordEvents(tx, [placed(orderId), moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID")]),
    );
    const successor = await Database.open({ url: test.url });
    try {
      relay({ database: successor }).start();
      const received = await readStream(reader, 2);
      expect(received.map((message) => message.envelope.type)).toEqual([
        "polyscale.order.placed",
        "polyscale.order.paid",
      ]);
    } finally {
      for (const running of relays.splice(0)) await running.stop();
      await successor.close();
    }
  });

  it("stores a message once when the relay republishes it after a crash between the ack and marking it sent", async () => {
    const orderId = newId();
    await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    const row = (await database.query<OutboxMessage>(`SELECT event_id AS id, subject, body FROM event_outbox`))
      .rows[0]!;
    await publisher.publish(row); // acknowledged, but the process died before it could mark the row sent
    await relay().relayBatch();

    const received = await readStream(reader, 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await readStream(reader, 1)).length).toBe(1);
    expect(received[0]!.envelope.id).toBe(row.id);
  });

  it("loses nothing and reorders nothing when the broker is killed while 500 orders are placed", async () => {
    relay().start();
    const orders = Array.from({ length: 500 }, () => newId());
    const place = async (orderId: string) => {
      await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
      await database.transaction((tx) => recordEvents(tx, [moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID")]));
      await database.transaction((tx) => recordEvents(tx, [moved(orderId, "order.fulfilled", "PAID", "FULFILLED")]));
    };
    // Ten buyers at a time; the broker dies after the first 100 orders and comes back after the next 200.
    const placing = (async () => {
      for (let start = 0; start < orders.length; start += 10) {
        if (start === 100) await nats.kill();
        if (start === 300) await nats.restart();
        await Promise.all(orders.slice(start, start + 10).map(place));
      }
    })();
    await placing;

    const received = await readStream(reader, 1_500, 60_000);
    expect(received).toHaveLength(1_500);
    expect(new Set(received.map((message) => message.envelope.id)).size).toBe(1_500);
    const typesByOrder = new Map<string, string[]>();
    for (const message of received) {
      const list = typesByOrder.get(message.envelope.subject) ?? [];
      list.push(message.envelope.type);
      typesByOrder.set(message.envelope.subject, list);
    }
    expect(typesByOrder.size).toBe(500);
    for (const orderId of orders) {
      expect(typesByOrder.get(orderId)).toEqual([
        "polyscale.order.placed",
        "polyscale.order.paid",
        "polyscale.order.fulfilled",
      ]);
    }
    await vi.waitFor(async () => expect(await unsentCount(database)).toBe(0));
  }, 120_000);

  it("two relay replicas send each event once and keep each order's events in order", async () => {
    const second = await Database.open({ url: test.url, poolSize: 5 });
    const otherPublisher = new JetStreamPublisher({ url: nats.url, name: "relay-test-2", stream, logger });
    try {
      await vi.waitFor(() => expect(otherPublisher.isConnected()).toBe(true), { timeout: 15_000 });
      const first = new CountingPublisher(publisher);
      const other = new CountingPublisher(otherPublisher);
      relay({ publisher: first }).start();
      relay({ database: second, publisher: other }).start();

      const orders = Array.from({ length: 100 }, () => newId());
      for (let round = 0; round < 3; round += 1) {
        await Promise.all(
          orders.map((orderId) =>
            database.transaction((tx) =>
              recordEvents(tx, [
                round === 0
                  ? placed(orderId)
                  : round === 1
                    ? moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID")
                    : moved(orderId, "order.fulfilled", "PAID", "FULFILLED"),
              ]),
            ),
          ),
        );
      }
      const received = await readStream(reader, 300);
      for (const running of relays.splice(0)) await running.stop();

      const sent = [...first.sent, ...other.sent];
      expect(sent).toHaveLength(300);
      expect(new Set(sent).size).toBe(300);
      expect(received).toHaveLength(300);
      for (const orderId of orders) {
        expect(received.filter((message) => message.envelope.subject === orderId).map((m) => m.envelope.type)).toEqual([
          "polyscale.order.placed",
          "polyscale.order.paid",
          "polyscale.order.fulfilled",
        ]);
      }
    } finally {
      await otherPublisher.close();
      await second.close();
    }
  });

  it("hands publishing to another replica when the leader's connection ends, and loses or repeats nothing", async () => {
    const second = await Database.open({ url: test.url, poolSize: 2 });
    try {
      const replicas = [relay(), relay({ database: second })];
      for (const replica of replicas) replica.start();
      const orders = Array.from({ length: 50 }, () => newId());
      await Promise.all(orders.map((orderId) => database.transaction((tx) => recordEvents(tx, [placed(orderId)]))));
      await readStream(reader, 50);
      // The leader is whichever connection holds the relay lock (a session-level advisory lock, key 727014) in this
      // test's database: pg_locks lists the whole server, where other tests' relays hold the same key in theirs.
      const ended = await database.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 727014 AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(ended.rowCount).toBe(1);
      await Promise.all(
        orders.map((orderId) =>
          database.transaction((tx) => recordEvents(tx, [moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID")])),
        ),
      );
      const received = await readStream(reader, 100);
      expect(received).toHaveLength(100);
      expect(new Set(received.map((message) => message.envelope.id)).size).toBe(100);
      for (const orderId of orders) {
        expect(received.filter((message) => message.envelope.subject === orderId).map((m) => m.envelope.type)).toEqual([
          "polyscale.order.placed",
          "polyscale.order.paid",
        ]);
      }
      await vi.waitFor(async () => expect(await unsentCount(database)).toBe(0));
    } finally {
      for (const running of relays.splice(0)) await running.stop();
      await second.close();
    }
  });

  it("never lets a later event of an order overtake one whose publish failed in the middle of a pipelined batch", async () => {
    // Two orders, three events each, all in one batch. The second event of the first order is lost on its way to the
    // broker: the relay has already handed the third one over without waiting, and the broker must not store it ahead
    // of the second.
    const [first, second] = [newId(), newId()];
    for (const orderId of [first, second]) {
      await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    }
    for (const orderId of [first, second]) {
      await database.transaction((tx) => recordEvents(tx, [moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID")]));
    }
    for (const orderId of [first, second]) {
      await database.transaction((tx) => recordEvents(tx, [moved(orderId, "order.fulfilled", "PAID", "FULFILLED")]));
    }
    const lost = (
      await database.query<{ event_id: string }>(
        "SELECT event_id FROM event_outbox WHERE aggregate_id = $1 ORDER BY id OFFSET 1 LIMIT 1",
        [first],
      )
    ).rows[0]!.event_id;
    let dropped = false;
    const lossy: EventPublisher = {
      isConnected: () => publisher.isConnected(),
      close: () => publisher.close(),
      publish(message) {
        if (message.id === lost && !dropped) {
          dropped = true;
          return Promise.reject(new Error("lost on the way to the broker"));
        }
        return publisher.publish(message);
      },
    };

    // The first order keeps its placed event only; the second order is not held up by the first one's loss.
    const relaying = relay({ publisher: lossy });
    expect(await relaying.relayBatch()).toEqual({ published: 4, failed: 2 });
    expect(await relaying.relayBatch()).toEqual({ published: 2, failed: 0 });

    const received = await readStream(reader, 6);
    expect(received).toHaveLength(6);
    for (const orderId of [first, second]) {
      expect(received.filter((message) => message.envelope.subject === orderId).map((m) => m.envelope.type)).toEqual([
        "polyscale.order.placed",
        "polyscale.order.paid",
        "polyscale.order.fulfilled",
      ]);
    }
    expect(await unsentCount(database)).toBe(0);
  });

  it("stores the rest of an order's batch once, in order, when an acknowledgement was lost after the broker stored it", async () => {
    const orderId = newId();
    await database.transaction((tx) =>
      recordEvents(tx, [
        placed(orderId),
        moved(orderId, "order.paid", "PENDING_PAYMENT", "PAID"),
        moved(orderId, "order.fulfilled", "PAID", "FULFILLED"),
      ]),
    );
    let lostAck = false;
    const forgetful: EventPublisher = {
      isConnected: () => publisher.isConnected(),
      close: () => publisher.close(),
      async publish(message) {
        await publisher.publish(message);
        if (message.subject === "polyscale.order.paid" && !lostAck) {
          lostAck = true;
          throw new Error("the acknowledgement timed out");
        }
      },
    };
    const relaying = relay({ publisher: forgetful });
    expect(await relaying.relayBatch()).toEqual({ published: 1, failed: 2 });
    expect(await relaying.relayBatch()).toEqual({ published: 2, failed: 0 });

    await new Promise((resolve) => setTimeout(resolve, 200));
    const received = await readStream(reader, 3);
    expect(received.map((message) => message.envelope.type)).toEqual([
      "polyscale.order.placed",
      "polyscale.order.paid",
      "polyscale.order.fulfilled",
    ]);
  });

  it("prunes sent rows after their retention, and without a broker keeps only the newest events", async () => {
    await database.transaction((tx) => recordEvents(tx, [placed(newId()), placed(newId())]));
    await relay().relayBatch();
    await database.query("UPDATE event_outbox SET sent_at = now() - interval '2 minutes'");
    expect(await relay().prune()).toBe(2);

    const orders = Array.from({ length: 30 }, () => newId());
    for (const orderId of orders) await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    const brokerless = new OutboxRelay({ database, publisher: undefined, logger, pollMs: 10, maxUnpublished: 10 });
    expect(await brokerless.prune()).toBe(20);
    const kept = await database.query<{ aggregate_id: string }>("SELECT aggregate_id FROM event_outbox ORDER BY id");
    expect(kept.rows.map((row) => row.aggregate_id)).toEqual(orders.slice(20));
  });
});
