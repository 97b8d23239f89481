/**
 * What `relay-leadership.ts` promises: of several relay replicas one publishes at a time, and when its connection
 * ends another takes over, losing, repeating and reordering nothing; a read does not revisit the rows already deleted.
 */
import { describe, expect, it, vi } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { Database } from "../database.js";
import { newId } from "../ids.js";
import { JetStreamPublisher } from "./jetstream.js";
import { recordEvents } from "./outbox.js";
import { RelayLeadership } from "./relay-leadership.js";
import {
  CountingPublisher,
  logger,
  moved,
  placed,
  readStream,
  relayTestBed,
  stream,
  pendingCount,
} from "./test-relay.js";

describe.each(databaseBackends())("relay leadership among replicas on $name", (backend) => {
  const bed = relayTestBed(backend);

  it("two relay replicas send each event once and keep each order's events in order", async () => {
    const { nats, test, database, publisher, reader, relays, relay } = bed;
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
    const { test, database, reader, relays, relay } = bed;
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
      await vi.waitFor(async () => expect(await pendingCount(database)).toBe(0));
    } finally {
      for (const running of relays.splice(0)) await running.stop();
      await second.close();
    }
  });

  it("reads the outbox without visiting again every row deleted since the last vacuum", async () => {
    const { database } = bed;
    const leadership = new RelayLeadership(database);
    try {
      expect(await leadership.lead()).toBe(true);
      // 2,000 rows published and deleted: their entries in the primary key point at dead row versions until a
      // vacuum. Then two new ones.
      await database.transaction((tx) =>
        recordEvents(
          tx,
          Array.from({ length: 2_000 }, () => placed(newId())),
        ),
      );
      for (let rows = await leadership.readUnsent(500); rows.length > 0; rows = await leadership.readUnsent(500)) {
        leadership.acknowledge(rows.map((row) => row.id));
      }
      await leadership.deleteAcknowledged();
      await database.transaction((tx) => recordEvents(tx, [placed(newId()), placed(newId())]));

      const leader = leadership.connection!;
      /** Table and index blocks of the outbox that the leader's connection has read so far. */
      const blocksRead = async () => {
        // Statistics reach the views when a transaction ends, here this statement's.
        await leader.query("SELECT pg_stat_force_next_flush()");
        const { rows } = await leader.query<{ blocks: string }>(
          `SELECT heap_blks_hit + heap_blks_read + idx_blks_hit + idx_blks_read AS blocks
             FROM pg_statio_user_tables WHERE relname = 'event_outbox'`,
        );
        return Number(rows[0]!.blocks);
      };
      const reads: number[] = [];
      for (let read = 0; read < 3; read++) {
        const before = await blocksRead();
        expect(await leadership.readUnsent(500)).toHaveLength(2);
        reads.push((await blocksRead()) - before);
      }
      // The 2,000 deleted rows fill about 150 table blocks, which a bitmap or sequential scan reads again on every read;
      // an index scan flags their entries dead on its first pass and the later reads skip them.
      expect(reads[2]).toBeLessThan(20);
    } finally {
      leadership.resign();
    }
  });
});
