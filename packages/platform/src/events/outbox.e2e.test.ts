/**
 * What `outbox.ts` promises: a change that rolled back writes no event, and a commit wakes this process's relay at once.
 */
import { describe, expect, it } from "vitest";
import { databaseBackends } from "@polyscale/tools/testing";
import { newId } from "../ids.js";
import { recordEvents } from "./outbox.js";
import { OutboxRelay } from "./relay.js";
import { logger, placed, readStream, relayTestBed } from "./test-relay.js";

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
  });
});
