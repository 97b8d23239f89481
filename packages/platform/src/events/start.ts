import { once } from "node:events";
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from "node:worker_threads";
import type { Logger } from "pino";
import { setting } from "../config.js";
import { Database } from "../database.js";
import { describeError } from "../error-description.js";
import { createLogger } from "../logger.js";
import { EVENT_STREAMS, type EventSource } from "./catalogue.js";
import { JetStreamPublisher } from "./jetstream.js";
import { exportOutboxBacklog } from "./backlog-metrics.js";
import { onEventsCommitted } from "./outbox.js";
import { OutboxRelay } from "./relay.js";

/** The settings of event publishing, read by every service that writes events. */
export const eventSettings = {
  /** NATS server(s) with JetStream, comma-separated; unset means events stay in a bounded outbox, unpublished. */
  natsUrl: setting.optionalNatsUrls("NATS_URL"),
  /** How often the relay looks for new outbox rows when it found none. */
  outboxPollMs: setting.integer("OUTBOX_POLL_MS", 50, { min: 5, max: 60_000 }),
};

export interface ServiceEventRelayOptions {
  database: Database;
  /** The service whose outbox is relayed; names the JetStream stream and the NATS connection. */
  source: EventSource;
  /** Unset: no publishing, the outbox is only kept bounded. */
  natsUrl: string | undefined;
  /** How often the relay looks for new outbox rows when it found none. */
  pollMs: number;
  logger: Logger;
}

/** What the relay's thread is started with (workerData); the marker tells this module it runs as that thread. */
interface RelayThreadData {
  polyscaleOutboxRelay: true;
  databaseUrl: string;
  source: EventSource;
  natsUrl: string;
  pollMs: number;
  logLevel: string;
}

/** Messages to the relay's thread: a commit of the service wrote events; stop. */
type RelayThreadMessage = "committed" | "stop";

/** How long stop() waits for the relay's thread to finish its batch and close before it ends the thread. */
const THREAD_STOP_TIMEOUT_MS = 10_000;
/** Pause before a relay thread that ended by itself (an error) is started again. */
const THREAD_RESTART_DELAY_MS = 1_000;

/**
 * The outbox relay of a service, a background job like `PeriodicJob`. With natsUrl set, `start()` exports the outbox
 * backlog on /metrics and runs the relay in a thread of its own (worker_threads) with its own database connection
 * and NATS connection, publishing to the service's JetStream stream (created or updated at connect); each commit of
 * the service that wrote events wakes it. In the service's thread the relay's every step (reading the outbox, each
 * acknowledgement) waited behind the request work queued on the event loop: at checkout load a quarter of a second
 * at p99 (bench/results/README.md). Without natsUrl the relay only bounds the outbox, in the service's thread.
 * `stop()` waits for the relay (it marks what was acknowledged and closes its connections).
 */
export class ServiceEventRelay {
  private running:
    | { kind: "thread"; stopListening: () => void; thread: Worker | undefined; restart?: NodeJS.Timeout }
    | { kind: "bounding"; relay: OutboxRelay }
    | undefined;

  constructor(private readonly options: ServiceEventRelayOptions) {}

  start(): void {
    if (this.running) return;
    const { database, natsUrl, pollMs, logger } = this.options;
    if (!natsUrl) {
      logger.warn("NATS_URL is unset: events are kept in a bounded outbox and not published");
      const relay = new OutboxRelay(database, undefined, logger, { pollMs });
      relay.start();
      this.running = { kind: "bounding", relay };
      return;
    }
    exportOutboxBacklog(database, logger);
    const running = {
      kind: "thread" as const,
      thread: undefined as Worker | undefined,
      stopListening: onEventsCommitted(() => running.thread?.postMessage("committed" satisfies RelayThreadMessage)),
    };
    this.running = running;
    this.startThread(natsUrl);
  }

  private startThread(natsUrl: string): void {
    const running = this.running;
    if (running?.kind !== "thread") return;
    const { database, source, pollMs, logger } = this.options;
    const data: RelayThreadData = {
      polyscaleOutboxRelay: true,
      databaseUrl: database.url,
      source,
      natsUrl,
      pollMs,
      logLevel: logger.level,
    };
    // This module is the thread's entry too (see the end of the file). No --import flags of the process: the thread
    // must not start a second OpenTelemetry SDK.
    const thread = new Worker(new URL(import.meta.url), { workerData: data, execArgv: [] });
    running.thread = thread;
    thread.on("error", (error) => logger.error({ err: describeError(error) }, "event outbox relay thread failed"));
    thread.on("exit", () => {
      if (this.running !== running || running.thread !== thread) return;
      // It ended without being asked: rows not marked sent are published again by the next one.
      running.thread = undefined;
      logger.error("event outbox relay thread ended; starting it again");
      running.restart = setTimeout(() => this.startThread(natsUrl), THREAD_RESTART_DELAY_MS);
    });
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    if (running.kind === "bounding") {
      await running.relay.stop();
      return;
    }
    running.stopListening();
    clearTimeout(running.restart);
    const thread = running.thread;
    if (!thread) return;
    const exited = once(thread, "exit");
    thread.postMessage("stop" satisfies RelayThreadMessage);
    const timer = setTimeout(() => void thread.terminate(), THREAD_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** The relay's thread: the relay on a connection of its own, woken by the service's commits, until told to stop. */
async function runRelayThread(data: RelayThreadData, port: MessagePort): Promise<void> {
  const logger = createLogger(`polyscale-${data.source}-outbox-relay`, data.logLevel);
  const database = await Database.open({ url: data.databaseUrl, poolSize: 1 });
  const publisher = new JetStreamPublisher(
    { url: data.natsUrl, name: `polyscale-${data.source}`, stream: EVENT_STREAMS[data.source] },
    logger,
  );
  const relay = new OutboxRelay(database, publisher, logger, { pollMs: data.pollMs });
  relay.start();
  port.on("message", (message: RelayThreadMessage) => {
    if (message === "committed") relay.eventsCommitted();
    else if (message === "stop") {
      void (async () => {
        try {
          await relay.stop();
          await publisher.close();
          await database.close();
        } finally {
          // Nothing else keeps the thread alive: it ends.
          port.close();
        }
      })();
    }
  });
}

if (!isMainThread && (workerData as Partial<RelayThreadData> | undefined)?.polyscaleOutboxRelay) {
  await runRelayThread(workerData as RelayThreadData, parentPort!);
}
