/**
 * What `outbox.ts` promises: a change that rolled back writes no event, and a commit wakes this process's relay at once
 * (which then lingers for the commits that follow, when told to).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { newId } from "../ids.js";
import { recordEvents } from "./outbox.js";
import { OutboxRelay, type RelayReport } from "./relay.js";
import { logger, placed, readStream, relayTestBed, pendingCount } from "./test-relay.js";

describe.each(databaseBackends())("transactional outbox on $name", (backend) => {
  const bed = relayTestBed(backend);

  it("writes no event for a change that rolled back", async () => {
    const { database, reader, relay } = bed;
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

  it("publishes an event of this process as soon as its transaction commits, not at the next poll", async () => {
    const { database, publisher, reader, relays } = bed;
    const patient = new OutboxRelay({ database, publisher, logger, pollMs: 60_000 });
    relays.push(patient);
    patient.start();
    // Its first look finds nothing; the next poll would be a minute away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const orderId = newId();
    await database.transaction((tx) => recordEvents(tx, [placed(orderId)]));
    const received = await readStream(reader, 1, 10_000);
    expect(received.map((message) => message.envelope.subject)).toEqual([orderId]);
    // With its next read a minute away, it deletes the row before it pauses.
    await vi.waitFor(async () => expect(await pendingCount(database)).toBe(0), { timeout: 5_000 });
  });

  it("publishes the commits that follow the one that woke it in the same batch while it lingers", async () => {
    const { database, publisher, reader, relays } = bed;
    /** Notes the size of every batch it published. */
    class CountingRelay extends OutboxRelay {
      readonly batches: number[] = [];
      protected override async publishBatch(): Promise<RelayReport> {
        const report = await super.publishBatch();
        if (report.published > 0) this.batches.push(report.published);
        return report;
      }
    }
    /** Five events committed `spacingMs` apart while a relay that polls once a minute lingers `lingerMs`. */
    const batchesOf = async (lingerMs: number, spacingMs: number, publishedBefore: number) => {
      const relay = new CountingRelay({ database, publisher, logger, pollMs: 60_000, lingerMs });
      relays.push(relay);
      relay.start();
      await sleep(200); // its first look finds nothing
      for (let index = 0; index < 5; index++) {
        await database.transaction((tx) => recordEvents(tx, [placed(newId())]));
        await sleep(spacingMs);
      }
      expect(await readStream(reader, publishedBefore + 5, 10_000)).toHaveLength(publishedBefore + 5);
      await relay.stop();
      return relay.batches;
    };

    expect(await batchesOf(1_000, 20, 0)).toEqual([5]);
    // Without lingering, each commit that finds the relay idle is a batch of its own.
    expect((await batchesOf(0, 150, 5)).length).toBeGreaterThan(1);
  });
});
