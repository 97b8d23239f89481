/**
 * Where an event's lag goes, measured inside one process (as a service runs its relay beside its requests): buyers
 * commit stock changes of a few hot products at checkout rate through the real outbox (recordEvents), the real
 * OutboxRelay publishes them to a `nats-server -js` this run starts, and a core NATS subscriber receives them. Every
 * event is timed at each step:
 *
 *   written (envelope time, just before COMMIT) → committed → the relay's batch starts → its rows are claimed (the
 *   batch's first publish call: pool wait, advisory lock, SELECT) → this event's publish call → JetStream's ack →
 *   received by the subscriber; and ack → the batch done (its last ack in: the relay may read again, and that read
 *   deletes the batch's rows).
 *
 * Run: `node bench/dist/scenarios/events-lag.js [--seconds 5] [--rate 300] [--buyers 50] [--hot 10] [--pool 10] [--relay-pool 1]`
 * (PostgreSQL from BENCH_DATABASE_URL or 127.0.0.1:5432, a scratch database dropped at the end). Prints one JSON
 * object: p50/p99 of each step in ms, batches and their sizes.
 */
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import {
  connectNats,
  createLogger,
  Database,
  domainEvent,
  EVENT_STREAMS,
  JetStreamPublisher,
  migrate,
  newId,
  OutboxRelay,
  recordEvents,
  type CloudEvent,
  type EventPublisher,
  type OutboxMessage,
} from "@polyscale/platform";
import { createScratchDatabase, dropScratchDatabase, outboxMigrations } from "@polyscale/tools/scratch-databases";
import { startNatsServer } from "@polyscale/tools/nats-server";
import { scenarioFlag } from "../settings.js";
import { summarizeLatencies, type LatencySummary } from "../stats.js";

export interface EventsLagSettings {
  seconds: number;
  /** Transactions per second over all buyers (each writes one stock_changed event of one hot product). */
  rate: number;
  buyers: number;
  hotProducts: number;
  /** Connections of the buyers' pool (a service's default is 10). */
  poolSize: number;
  /** Connections of the relay's own pool, as ServiceEventRelay gives it (1); 0 shares the buyers' pool. */
  relayPoolSize: number;
}

interface Timeline {
  written: number;
  committed?: number;
  batchStarted?: number;
  claimed?: number;
  publishCalled?: number;
  acked?: number;
  batchDone?: number;
  received?: number;
}

export interface EventsLagResult {
  settings: EventsLagSettings;
  events: number;
  received: number;
  batches: number;
  meanBatchSize: number;
  /** Milliseconds of each step, over every event that went through all of them. */
  steps: Record<string, LatencySummary>;
}

/** Wall-clock time in ms with sub-millisecond resolution, comparable with an envelope's `time`. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureEventsLag(settings: EventsLagSettings, adminUrl: string): Promise<EventsLagResult> {
  const logger = createLogger("events-lag", "warn");
  const stream = EVENT_STREAMS.product;
  const timelines = new Map<string, Timeline>();
  const nats = await startNatsServer();
  const url = await createScratchDatabase(adminUrl);
  const migrations = outboxMigrations();
  const database = await Database.open({ url, poolSize: settings.poolSize });
  const relayDatabase =
    settings.relayPoolSize === 0 ? database : await Database.open({ url, poolSize: settings.relayPoolSize });
  const publisher = new JetStreamPublisher({ url: nats.url, name: "events-lag", stream, logger });
  const subscriber = await connectNats(nats.url, "events-lag-subscriber");
  type Batch = { started: number; claimed?: number; ids: string[] };
  let batch: Batch | undefined;
  let batches = 0;
  let batched = 0;

  /** Notes when each event is handed to the broker and acknowledged; the first call of a batch is its claim. */
  const timing: EventPublisher = {
    isConnected: () => publisher.isConnected(),
    close: () => publisher.close(),
    async publish(message: OutboxMessage) {
      const timeline = timelines.get(message.id);
      const called = now();
      if (batch) {
        batch.claimed ??= called;
        batch.ids.push(message.id);
      }
      await publisher.publish(message);
      if (timeline) {
        timeline.publishCalled = called;
        timeline.acked = now();
      }
    },
  };
  class TimedRelay extends OutboxRelay {
    override async publishBatch() {
      const current: Batch = { started: now(), ids: [] };
      batch = current;
      const report = await super.publishBatch();
      const done = now();
      if (current.ids.length > 0) {
        batches += 1;
        batched += current.ids.length;
      }
      for (const id of current.ids) {
        const timeline = timelines.get(id);
        if (!timeline) continue;
        timeline.batchStarted = current.started;
        timeline.claimed = current.claimed;
        timeline.batchDone = done;
      }
      return report;
    }
  }

  try {
    await migrate(database, migrations);
    await database.query("CREATE TABLE hot (id text PRIMARY KEY, stock int NOT NULL)");
    const hot = Array.from({ length: settings.hotProducts }, () => newId());
    await database.query("INSERT INTO hot SELECT unnest($1::text[]), 1000000000", [hot]);
    while (!publisher.isConnected()) await sleep(20);
    subscriber.subscribe("polyscale.>", {
      callback: (error, message) => {
        if (error) return;
        const timeline = timelines.get(message.json<CloudEvent>().id);
        if (timeline) timeline.received = now();
      },
    });
    await subscriber.flush();
    const relay = new TimedRelay({ database: relayDatabase, publisher: timing, logger, pollMs: 50 });
    relay.start();

    // Each buyer paces itself so that all of them together commit `rate` transactions a second.
    const gapMs = (1000 * settings.buyers) / settings.rate;
    const endAt = performance.now() + settings.seconds * 1000;
    const buyer = async () => {
      await sleep(Math.random() * gapMs);
      while (performance.now() < endAt) {
        const next = performance.now() + gapMs;
        const productId = hot[Math.floor(Math.random() * hot.length)]!;
        let eventId = "";
        await database.transaction(async (tx) => {
          // The hot row is locked before the event is written, as a reservation does (outbox.ts says why).
          const { rows } = await tx.query<{ stock: number }>(
            "UPDATE hot SET stock = stock - 1 WHERE id = $1 RETURNING stock",
            [productId],
          );
          await recordEvents(tx, [
            domainEvent("product.stock_changed", productId, {
              productId,
              variantId: productId,
              sku: productId.toUpperCase(),
              stock: rows[0]!.stock,
              variantStock: rows[0]!.stock,
              delta: -1,
              cause: "reserved",
              orderId: newId(),
            }),
          ]);
          const written = await tx.query<{ event_id: string; body: string }>(
            "SELECT event_id, body FROM event_outbox WHERE id = currval('event_outbox_id_seq')",
          );
          eventId = written.rows[0]!.event_id;
          timelines.set(eventId, { written: Date.parse((JSON.parse(written.rows[0]!.body) as { time: string }).time) });
        });
        timelines.get(eventId)!.committed = now();
        await sleep(Math.max(0, next - performance.now()));
      }
    };
    await Promise.all(Array.from({ length: settings.buyers }, buyer));
    const giveUpAt = performance.now() + 30_000;
    while ([...timelines.values()].some((t) => t.received === undefined) && performance.now() < giveUpAt) {
      await sleep(50);
    }
    await relay.stop();
  } finally {
    await subscriber.close();
    await publisher.close();
    if (relayDatabase !== database) await relayDatabase.close();
    await database.close();
    await dropScratchDatabase(adminUrl, url);
    await nats.close();
    rmSync(migrations, { recursive: true, force: true });
  }

  const all = [...timelines.values()];
  const complete = all.filter(
    (t): t is Required<Timeline> =>
      t.committed !== undefined &&
      t.batchStarted !== undefined &&
      t.claimed !== undefined &&
      t.publishCalled !== undefined &&
      t.acked !== undefined &&
      t.batchDone !== undefined &&
      t.received !== undefined,
  );
  const step = (pick: (t: Required<Timeline>) => number) => summarizeLatencies(complete.map(pick));
  return {
    settings,
    events: all.length,
    received: all.filter((t) => t.received !== undefined).length,
    batches,
    meanBatchSize: batches === 0 ? 0 : batched / batches,
    steps: {
      "written → received (the bench's event lag)": step((t) => t.received - t.written),
      "written → committed": step((t) => t.committed - t.written),
      "committed → batch started": step((t) => t.batchStarted - t.committed),
      "batch started → claimed": step((t) => t.claimed - t.batchStarted),
      "claimed → publish called": step((t) => t.publishCalled - t.claimed),
      "publish called → acked": step((t) => t.acked - t.publishCalled),
      "acked → received": step((t) => t.received - t.acked),
      "acked → batch done": step((t) => t.batchDone - t.acked),
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureEventsLag(
    {
      seconds: scenarioFlag("seconds", 5),
      rate: scenarioFlag("rate", 300),
      buyers: scenarioFlag("buyers", 50),
      hotProducts: scenarioFlag("hot", 10),
      poolSize: scenarioFlag("pool", 10),
      relayPoolSize: scenarioFlag("relay-pool", 1),
    },
    process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  );
  console.log(JSON.stringify(result, null, 2));
}
