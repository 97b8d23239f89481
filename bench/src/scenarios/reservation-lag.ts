/**
 * Event lag of stock reservations, through a product service of its own: buyers reserve one unit of one of a few hot
 * products at checkout rate over gRPC (as the order service does at placement), the service writes the reservation
 * and its product.stock_changed event and its own relay publishes it to a `nats-server -js` this run starts; a core
 * NATS subscriber receives it. Where events-lag.ts times the relay's steps on a stand-in transaction, this runs the
 * service's real reservation (its pool of 10, its relay on a connection of its own), so it shows what the reservation's
 * shape costs the events. Each reservation is timed from the call to the event's arrival, and the product database's
 * backends are sampled every 20 ms (state and wait), so that connections idle in a transaction are counted.
 *
 * Run: `node bench/dist/scenarios/reservation-lag.js [--seconds 5] [--rate 300] [--buyers 50] [--hot 10]`
 * (PostgreSQL from BENCH_DATABASE_URL or 127.0.0.1:5432, a scratch database dropped at the end). Prints one JSON
 * object: p50/p99 of each step in ms, and the mean number of the service's connections in each state.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { connectNats, Database, newId, type CloudEvent } from "@polyscale/platform";
import { createProductClient } from "@polyscale/product";
import { startNatsServer } from "@polyscale/tools/nats-server";
import { freePorts } from "@polyscale/tools/ports";
import { createScratchDatabase, dropScratchDatabase } from "@polyscale/tools/scratch-databases";
import { startSystem } from "@polyscale/tools/system";
import { scenarioFlag } from "../settings.js";
import { summarizeLatencies, type LatencySummary } from "../stats.js";

export interface ReservationLagSettings {
  seconds: number;
  /** Reservations per second over all buyers (each reserves 1 unit of one hot product). */
  rate: number;
  buyers: number;
  hotProducts: number;
}

interface Timeline {
  /** The buyer called reserveStock. */
  requested: number;
  /** The call returned (the reservation had committed). */
  returned?: number;
  /** The event's envelope time. */
  written?: number;
  /** The subscriber received the event. */
  received?: number;
}

export interface ReservationLagResult {
  settings: ReservationLagSettings;
  reserved: number;
  failed: number;
  received: number;
  /** Milliseconds of each step, over every reservation whose event arrived. */
  steps: Record<string, LatencySummary>;
  /** Mean number of the product service's connections (its pool and its relay's) in each state over the run. */
  connections: { idleInTransaction: number; active: number; waitingForLock: number; samples: number };
}

/** Wall-clock time in ms with sub-millisecond resolution, comparable with an envelope's `time`. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureReservationLag(
  settings: ReservationLagSettings,
  adminUrl: string,
): Promise<ReservationLagResult> {
  const nats = await startNatsServer();
  const databaseUrl = await createScratchDatabase(adminUrl);
  const dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-bench-reservation-lag-"));
  const timelines = new Map<string, Timeline>();
  let failed = 0;
  const connections = { idleInTransaction: 0, active: 0, waitingForLock: 0, samples: 0 };
  try {
    const system = await startSystem({
      ports: await freePorts(["gateway", "account", "product", "order"]),
      dataDir,
      databaseUrls: { product: databaseUrl },
      only: ["product"],
      env: { LOG_LEVEL: "warn", ELASTICSEARCH_URL: undefined, NATS_URL: nats.url },
    });
    const product = createProductClient({ address: system.addresses.product, deadlineMs: 30_000 });
    const subscriber = await connectNats(nats.url, "reservation-lag-subscriber");
    const sampler = await Database.open({ url: databaseUrl, poolSize: 1 });
    try {
      const hot = await Promise.all(
        Array.from({ length: settings.hotProducts }, async (_, index) => {
          const { product: created } = await product.createProduct({
            name: `Hot ${index}`,
            description: "",
            priceCents: 1000,
            currency: "USD",
            categoryId: "",
            stock: 1_000_000_000,
          });
          return created!.id;
        }),
      );
      subscriber.subscribe("polyscale.product.stock_changed", {
        callback: (error, message) => {
          if (error) return;
          const event = message.json<CloudEvent>();
          const timeline = timelines.get((event.data as { orderId: string }).orderId);
          if (!timeline) return;
          timeline.received = now();
          timeline.written = Date.parse(event.time);
        },
      });
      await subscriber.flush();

      let sampling = true;
      const sample = async () => {
        while (sampling) {
          const { rows } = await sampler.query<{ idle: number; active: number; locked: number }>(
            `SELECT count(*) FILTER (WHERE state = 'idle in transaction')::int AS idle,
                    count(*) FILTER (WHERE state = 'active')::int AS active,
                    count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS locked
               FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          connections.idleInTransaction += rows[0]!.idle;
          connections.active += rows[0]!.active;
          connections.waitingForLock += rows[0]!.locked;
          connections.samples += 1;
          await sleep(20);
        }
      };
      const sampled = sample();

      // Each buyer paces itself so that all of them together reserve `rate` times a second.
      const gapMs = (1000 * settings.buyers) / settings.rate;
      const endAt = performance.now() + settings.seconds * 1000;
      const buyer = async () => {
        await sleep(Math.random() * gapMs);
        while (performance.now() < endAt) {
          const next = performance.now() + gapMs;
          const orderId = newId();
          const timeline: Timeline = { requested: now() };
          timelines.set(orderId, timeline);
          try {
            await product.reserveStock({
              orderId,
              lines: [{ productId: hot[Math.floor(Math.random() * hot.length)]!, variantId: "", quantity: 1 }],
            });
            timeline.returned = now();
          } catch {
            failed += 1;
            timelines.delete(orderId);
          }
          await sleep(Math.max(0, next - performance.now()));
        }
      };
      await Promise.all(Array.from({ length: settings.buyers }, buyer));
      sampling = false;
      await sampled;
      const giveUpAt = performance.now() + 30_000;
      while ([...timelines.values()].some((t) => t.received === undefined) && performance.now() < giveUpAt) {
        await sleep(50);
      }
    } finally {
      await sampler.close();
      await subscriber.close();
      product.close();
      await system.stop();
    }
  } finally {
    await dropScratchDatabase(adminUrl, databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
    await nats.close();
  }

  const all = [...timelines.values()];
  const complete = all.filter(
    (t): t is Required<Timeline> => t.returned !== undefined && t.written !== undefined && t.received !== undefined,
  );
  const step = (pick: (t: Required<Timeline>) => number) => summarizeLatencies(complete.map(pick));
  const mean = (total: number) => (connections.samples === 0 ? 0 : total / connections.samples);
  return {
    settings,
    reserved: all.length,
    failed,
    received: all.filter((t) => t.received !== undefined).length,
    steps: {
      "requested → received (the event's lag from the call)": step((t) => t.received - t.requested),
      "requested → returned (the reservation call)": step((t) => t.returned - t.requested),
      "returned → received": step((t) => t.received - t.returned),
      "written → received (from the envelope time)": step((t) => t.received - t.written),
    },
    connections: {
      idleInTransaction: mean(connections.idleInTransaction),
      active: mean(connections.active),
      waitingForLock: mean(connections.waitingForLock),
      samples: connections.samples,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureReservationLag(
    {
      seconds: scenarioFlag("seconds", 5),
      rate: scenarioFlag("rate", 300),
      buyers: scenarioFlag("buyers", 50),
      hotProducts: scenarioFlag("hot", 10),
    },
    process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  );
  console.log(JSON.stringify(result, null, 2));
}
