import {
  connectNats,
  createLogger,
  durableConsumer,
  EVENT_STREAMS,
  JetStreamPublisher,
  newId,
  OutboxRelay,
  type Database,
} from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/tools/testing";
import { startNatsServer, type TestNatsServer } from "@polyscale/tools/nats-server";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProductService } from "../service.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import { migrationsDir } from "../storage.js";
import type { ProductDocument } from "./elasticsearch-index.js";
import { ElasticsearchEngine } from "./elasticsearch.js";
import { PRODUCT_EVENTS_SUBJECT } from "./cache.js";
import { retryDelayMs, SEARCH_INDEXER_CONSUMER, SearchIndexer } from "./indexer.js";
import {
  errorResponse,
  mockElasticsearchClient,
  type ClientMock,
  type MockPattern,
} from "./test-mock-elasticsearch.js";

const logger = createLogger("indexer-test", "silent");

type BulkOperation = { index?: { _id: string } } | { delete?: { _id: string } } | ProductDocument;

/** What a healthy cluster did with the bulk requests it accepted, in order. */
interface IndexLog {
  indexed: ProductDocument[];
  deleted: string[];
}

/** Answers bulk requests as Elasticsearch would, except for ids in refuse, and records what it accepted. */
function acceptBulk(mock: ClientMock, log: IndexLog, refuse: ReadonlySet<string> = new Set()): void {
  mock.clear({ method: "POST", path: "/products/_bulk" });
  mock.add({ method: "POST", path: "/products/_bulk" }, (request: MockPattern) => {
    const lines = request.body as BulkOperation[];
    const items: object[] = [];
    for (let line = 0; line < lines.length; line += 1) {
      const operation = lines[line]!;
      if ("index" in operation && operation.index) {
        const document = lines[(line += 1)] as ProductDocument;
        if (refuse.has(document.id)) {
          items.push({ index: { _id: document.id, status: 400, error: { type: "mapper_parsing_exception" } } });
        } else {
          log.indexed.push(document);
          items.push({ index: { _id: document.id, status: 200, result: "updated" } });
        }
      } else if ("delete" in operation && operation.delete) {
        log.deleted.push(operation.delete._id);
        items.push({ delete: { _id: operation.delete._id, status: 404, result: "not_found" } });
      }
    }
    return { took: 1, errors: items.some((item) => JSON.stringify(item).includes('"error"')), items };
  });
}

function failBulk(mock: ClientMock, statusCode: number): void {
  mock.clear({ method: "POST", path: "/products/_bulk" });
  mock.add({ method: "POST", path: "/products/_bulk" }, () => errorResponse(statusCode));
}

describe("retryDelayMs", () => {
  it("doubles from the base with each delivery, up to the cap", () => {
    const delays = Array.from({ length: 12 }, (_, index) =>
      retryDelayMs(index + 1, { retryBaseMs: 1_000, retryMaxMs: 300_000 }),
    );
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((seconds) => seconds * 1_000));
  });
});

describe.each(databaseBackends())("SearchIndexer following product events on $name", (backend) => {
  let nats: TestNatsServer;
  let test: TestDatabase;
  let database: Database;
  let service: ProductService;
  let publisher: JetStreamPublisher;
  let relay: OutboxRelay;
  let connection: NatsConnection;
  let mock: ClientMock;
  let indexer: SearchIndexer;

  beforeEach(async () => {
    nats = await startNatsServer();
    test = await backend.open(migrationsDir);
    database = test.database;
    service = new ProductService({
      database,
      searchEngine: new PostgresSearchEngine({ database }),
      defaultCurrency: "USD",
    });
    publisher = new JetStreamPublisher({ url: nats.url, name: "indexer-test", stream: EVENT_STREAMS.product, logger });
    await vi.waitFor(() => expect(publisher.isConnected()).toBe(true), { timeout: 15_000 });
    relay = new OutboxRelay({ database, publisher, logger, pollMs: 10 });
    connection = await connectNats(nats.url, "indexer-test-consumer");
    const consumer = await durableConsumer(connection, {
      stream: EVENT_STREAMS.product.name,
      name: SEARCH_INDEXER_CONSUMER,
      filterSubject: PRODUCT_EVENTS_SUBJECT,
      ackWaitMs: 30_000,
    });
    const mocked = mockElasticsearchClient();
    mock = mocked.mock;
    indexer = new SearchIndexer({
      database,
      engine: new ElasticsearchEngine({ client: mocked.client, index: "products" }),
      consumer,
      logger,
      batchSize: 50,
      retryBaseMs: 100,
      retryMaxMs: 400,
    });
  });

  afterEach(async () => {
    await indexer.stop();
    await relay.stop();
    await connection.close();
    await publisher.close();
    await test.close();
    await nats.close();
  });

  const createProduct = (name: string, priceCents: number, stock: number) =>
    service.createProduct({ name, description: "test product", priceCents, currency: "USD", categoryId: "", stock });

  /** Runs batches until one indexed something (redeliveries come after their delay). */
  async function indexUntilDelivered(): Promise<{ indexed: number; failed: number }> {
    for (;;) {
      const report = await indexer.indexBatch();
      if (report.indexed + report.failed > 0) return report;
    }
  }

  it("keeps the events while Elasticsearch fails, then writes each product's latest state", async () => {
    const boots = await createProduct("Boots", 5_000, 3);
    const sandals = await createProduct("Sandals", 2_000, 0);
    await service.updateProduct({ id: boots.id, priceCents: 5_500 });
    await service.updateProduct({ id: boots.id, priceCents: 6_000 });
    await relay.relayBatch();
    failBulk(mock, 503);

    expect(await indexUntilDelivered()).toEqual({ indexed: 0, failed: 2 });
    // The refused events come back after their delay, and are refused again while the cluster is down.
    expect(await indexUntilDelivered()).toEqual({ indexed: 0, failed: 2 });

    // A change made while the index is down waits with the others.
    await service.adjustStock({ productId: sandals.id, delta: 4 });
    await relay.relayBatch();
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log);
    await vi.waitFor(
      async () => {
        await indexer.indexBatch();
        expect(new Set(log.indexed.map((document) => document.id))).toEqual(new Set([boots.id, sandals.id]));
      },
      { timeout: 10_000 },
    );
    const latest = (id: string) => log.indexed.filter((document) => document.id === id).at(-1);
    expect(latest(boots.id)).toEqual({
      id: boots.id,
      name: "Boots",
      description: "test product",
      categoryId: null,
      categoryName: null,
      priceCents: 6_000,
      currency: "USD",
      stock: 3,
      inStock: true,
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      optionKeys: [],
    });
    expect(latest(sandals.id)).toMatchObject({ stock: 4, inStock: true });
  });

  it("retries only the products Elasticsearch refused", async () => {
    const accepted = await createProduct("Accepted", 1_000, 1);
    const refused = await createProduct("Refused", 1_000, 1);
    await relay.relayBatch();
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log, new Set([refused.id]));

    expect(await indexUntilDelivered()).toEqual({ indexed: 1, failed: 1 });
    expect(log.indexed.map((document) => document.id)).toEqual([accepted.id]);
    // Only the refused product's event comes back.
    acceptBulk(mock, log);
    expect(await indexUntilDelivered()).toEqual({ indexed: 1, failed: 0 });
    expect(log.indexed.map((document) => document.id)).toEqual([accepted.id, refused.id]);
  });

  it("removes a product that no longer exists from the index", async () => {
    const gone = await createProduct("Gone", 1_000, 1);
    await database.query("DELETE FROM products WHERE id = $1", [gone.id]);
    await relay.relayBatch();
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log);
    expect(await indexUntilDelivered()).toEqual({ indexed: 1, failed: 0 });
    expect(log).toEqual({ indexed: [], deleted: [gone.id] });
  });

  it("follows a variant's archive and restore: its option values leave the document, then come back", async () => {
    const shirt = await service.createProduct({
      name: "Indexed shirt",
      description: "",
      priceCents: 0,
      currency: "",
      categoryId: "",
      stock: 0,
      variants: ["Red", "Blue"].map((colour, index) => ({
        sku: `${colour}-${newId().slice(-12)}`.toUpperCase(),
        options: [{ name: "Colour", value: colour }],
        priceCents: 1_000,
        currency: "USD",
        stock: 2 + index,
      })),
    });
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log);
    const latest = () => log.indexed.filter((document) => document.id === shirt.id).at(-1);
    const indexedAfter = async (change: () => Promise<unknown>) => {
      await change();
      await relay.relayBatch();
      await indexUntilDelivered();
      return latest();
    };
    expect(await indexedAfter(() => Promise.resolve())).toMatchObject({
      optionKeys: ["colour=blue", "colour=red"],
      stock: 5,
    });
    expect(await indexedAfter(() => service.archiveVariant(shirt.variants[1]!.id))).toMatchObject({
      optionKeys: ["colour=red"],
      stock: 2,
    });
    expect(await indexedAfter(() => service.restoreVariant(shirt.variants[1]!.id))).toMatchObject({
      optionKeys: ["colour=blue", "colour=red"],
      stock: 5,
    });
  });

  it("follows the events in the background once started, until stopped", async () => {
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log);
    relay.start();
    indexer.start();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await createProduct(`Background ${index}`, 1_000, 1)).id);

    await vi.waitFor(() => expect(new Set(log.indexed.map((document) => document.id))).toEqual(new Set(ids)), {
      timeout: 15_000,
    });
  });
});
