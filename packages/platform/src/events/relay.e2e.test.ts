/**
 * What `relay.ts`'s loop promises: each committed event published once, as a CloudEvent, in order per aggregate,
 * through a steady stream of commits, a writer that died before publishing and a broker killed mid-traffic.
 */
import { describe, expect, it, vi } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { Database } from "../database.js";
import { newId } from "../ids.js";
import { eventData } from "./catalogue.js";
import { recordEvents } from "./outbox.js";
import { CountingPublisher, moved, placed, readStream, relayTestBed, pendingCount } from "./test-relay.js";

describe.each(databaseBackends())("outbox relay to JetStream on $name", (backend) => {
  const bed = relayTestBed(backend);

  it("publishes a committed event once, as a CloudEvent on its subject with the event id as Nats-Msg-Id", async () => {
    const { database, reader, relay } = bed;
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
    expect(await pendingCount(database)).toBe(0);
    // Nothing left to send.
    expect(await only.relayBatch()).toEqual({ published: 0, failed: 0 });
  });

  it("under a steady stream of commits sends each event once, and leaves no published row behind once idle or stopped", async () => {
    const { database, publisher, reader, relay } = bed;
    // A relay leaves a batch's acknowledged rows to be deleted by its next read, which must not read them again:
    // a commit's, or an idle relay's next poll.
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
    await vi.waitFor(async () => expect(await pendingCount(database)).toBe(0));
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
    expect(await pendingCount(database)).toBe(0);
    expect(counting.sent).toHaveLength(81);
  });

  it("publishes events committed by a process that died before publishing them", async () => {
    const { test, database, reader, relays, relay } = bed;
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

  it("loses nothing and reorders nothing when the broker is killed while 500 orders are placed", async () => {
    const { nats, database, reader, relay } = bed;
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
    await vi.waitFor(async () => expect(await pendingCount(database)).toBe(0));
  }, 120_000);
});
