/**
 * What the outbox keeps: a published event's row goes once the broker acknowledged it, and without a broker only the
 * newest events are kept (`relay-pruning.ts`).
 */
import { describe, expect, it } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { newId } from "../ids.js";
import { recordEvents } from "./outbox.js";
import { OutboxRelay } from "./relay.js";
import { logger, placed, relayTestBed, pendingCount } from "./test-relay.js";

describe.each(databaseBackends())("pruning the outbox on $name", (backend) => {
  const bed = relayTestBed(backend);

  it("deletes published rows once acknowledged, and without a broker keeps only the newest events", async () => {
    const { database, relay } = bed;
    await database.transaction((tx) => recordEvents(tx, [placed(newId()), placed(newId())]));
    expect(await pendingCount(database)).toBe(2);
    expect(await relay().relayBatch()).toEqual({ published: 2, failed: 0 });
    expect(await pendingCount(database)).toBe(0);

    const orders = Array.from({ length: 30 }, () => newId());
    for (const orderId of orders) await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    const brokerless = new OutboxRelay({ database, publisher: undefined, logger, pollMs: 10, maxUnpublished: 10 });
    expect(await brokerless.prune()).toBe(20);
    const kept = await database.query<{ aggregate_id: string }>("SELECT aggregate_id FROM event_outbox ORDER BY id");
    expect(kept.rows.map((row) => row.aggregate_id)).toEqual(orders.slice(20));
  });
});
