/**
 * What `relay-batch.ts` promises: a batch is stored once and in order per aggregate when a publish, or its
 * acknowledgement, is lost (JetStream deduplicates by Nats-Msg-Id; a later event never overtakes a lost one).
 */
import { describe, expect, it } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { newId } from "../ids.js";
import { recordEvents } from "./outbox.js";
import type { EventPublisher, OutboxMessage } from "./publisher.js";
import { moved, placed, readStream, relayTestBed, pendingCount } from "./test-relay.js";

describe.each(databaseBackends())("publishing a batch of the outbox on $name", (backend) => {
  const bed = relayTestBed(backend);

  it("stores a message once when the relay republishes it after a crash between the ack and deleting its row", async () => {
    const { database, publisher, reader, relay } = bed;
    const orderId = newId();
    await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    const row = (await database.query<OutboxMessage>(`SELECT event_id AS id, subject, body FROM event_outbox`))
      .rows[0]!;
    await publisher.publish(row); // acknowledged, but the process died before it could delete the row
    await relay().relayBatch();

    const received = await readStream(reader, 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await readStream(reader, 1)).length).toBe(1);
    expect(received[0]!.envelope.id).toBe(row.id);
  });

  it("never lets a later event of an order overtake one whose publish failed in the middle of a pipelined batch", async () => {
    const { database, publisher, reader, relay } = bed;
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
    expect(await pendingCount(database)).toBe(0);
  });

  it("stores the rest of an order's batch once, in order, when an acknowledgement was lost after the broker stored it", async () => {
    const { database, publisher, reader, relay } = bed;
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
});
