/**
 * What `relay-pruning.ts` promises: sent rows go after their retention, and without a broker only the newest
 * unsent events are kept.
 */
import { describe, expect, it } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { newId } from "../ids.js";
import { recordEvents } from "./outbox.js";
import { OutboxRelay } from "./relay.js";
import { logger, placed, relayTestBed } from "./test-relay.js";

describe.each(databaseBackends())("pruning the outbox on $name", (backend) => {
  const bed = relayTestBed(backend);

  it("prunes sent rows after their retention, and without a broker keeps only the newest events", async () => {
    const { database, relay } = bed;
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
