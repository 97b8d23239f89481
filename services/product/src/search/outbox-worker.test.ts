import { createLogger, newId, type Database } from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/platform/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { migrationsDir } from "../storage.js";
import { ElasticsearchEngine, type ProductDocument } from "./elasticsearch.js";
import { errorResponse, mockElasticsearchClient, type ClientMock, type MockPattern } from "./mock-elasticsearch.js";
import { enqueueSearchUpdates } from "./outbox.js";
import { OutboxWorker } from "./outbox-worker.js";

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

async function outboxRows(database: Database): Promise<Array<{ productId: string; attempts: number; due: boolean }>> {
  const result = await database.query<{ productId: string; attempts: number; due: boolean }>(
    `SELECT product_id AS "productId", attempts, next_attempt_at <= now() AS due FROM search_outbox ORDER BY id`,
  );
  return result.rows;
}

/** Stands in for the passing of time: makes every waiting retry due now. */
async function makeRetriesDue(database: Database): Promise<void> {
  await database.query("UPDATE search_outbox SET next_attempt_at = now()");
}

describe.each(databaseBackends())("OutboxWorker on $name", (backend) => {
  let test: TestDatabase;
  let database: Database;
  let mock: ClientMock;
  let worker: OutboxWorker;
  const categoryId = newId();

  beforeEach(async () => {
    test = await backend.open(migrationsDir);
    database = test.database;
    const mocked = mockElasticsearchClient();
    mock = mocked.mock;
    const engine = new ElasticsearchEngine(mocked.client, "products");
    worker = new OutboxWorker(database, engine, createLogger("test", "silent"), { pollMs: 10, batchSize: 2 });
    await database.query("INSERT INTO categories (id, name, slug) VALUES ($1, 'Footwear', 'footwear')", [categoryId]);
  });

  afterEach(async () => {
    await worker.stop();
    await test.close();
  });

  /** Inserts a product and its outbox row in one transaction, as the repository does. */
  async function createProduct(name: string, priceCents: number, stock: number): Promise<string> {
    const id = newId();
    await database.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO products (id, name, description, price_cents, currency, category_id, stock)
         VALUES ($1, $2, 'test product', $3, 'USD', $4, $5)`,
        [id, name, priceCents, categoryId, stock],
      );
      await enqueueSearchUpdates(tx, [id]);
    });
    return id;
  }

  async function setPrice(id: string, priceCents: number): Promise<void> {
    await database.transaction(async (tx) => {
      await tx.query("UPDATE products SET price_cents = $2, updated_at = now() WHERE id = $1", [id, priceCents]);
      await enqueueSearchUpdates(tx, [id]);
    });
  }

  async function deleteProduct(id: string): Promise<void> {
    await database.transaction(async (tx) => {
      await tx.query("DELETE FROM products WHERE id = $1", [id]);
      await enqueueSearchUpdates(tx, [id]);
    });
  }

  it("keeps every row while Elasticsearch fails, then delivers each product's latest state exactly once", async () => {
    const boots = await createProduct("Boots", 5_000, 3);
    const sandals = await createProduct("Sandals", 2_000, 0);
    const clogs = await createProduct("Clogs", 3_000, 1);
    await setPrice(boots, 5_500);
    await setPrice(boots, 6_000);
    await deleteProduct(clogs);
    failBulk(mock, 503);

    expect(await worker.drain()).toEqual({ delivered: 0, failed: 3 });
    let rows = await outboxRows(database);
    expect(rows.map((row) => row.productId)).toEqual([boots, sandals, clogs, boots, boots, clogs]);
    expect(rows.every((row) => row.attempts === 1 && !row.due)).toBe(true);
    // Nothing is due until the backoff has passed.
    expect(await worker.drain()).toEqual({ delivered: 0, failed: 0 });

    await makeRetriesDue(database);
    expect(await worker.drain()).toEqual({ delivered: 0, failed: 3 });
    rows = await outboxRows(database);
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.attempts === 2 && !row.due)).toBe(true);

    // A change made while the index is down waits with the others.
    await setPrice(sandals, 1_500);
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log);
    await makeRetriesDue(database);

    expect(await worker.drain()).toEqual({ delivered: 3, failed: 0 });
    expect(await outboxRows(database)).toEqual([]);
    expect(log.deleted).toEqual([clogs]);
    expect(log.indexed.map((document) => document.id).sort()).toEqual([boots, sandals].sort());
    expect(log.indexed.find((document) => document.id === boots)).toEqual({
      id: boots,
      name: "Boots",
      description: "test product",
      categoryId,
      categoryName: "Footwear",
      priceCents: 6_000,
      currency: "USD",
      stock: 3,
      inStock: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(log.indexed.find((document) => document.id === sandals)).toMatchObject({
      priceCents: 1_500,
      inStock: false,
    });
  });

  it("retries only the products Elasticsearch refused", async () => {
    const accepted = await createProduct("Accepted", 1_000, 1);
    const refused = await createProduct("Refused", 1_000, 1);
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log, new Set([refused]));

    expect(await worker.drain()).toEqual({ delivered: 1, failed: 1 });
    expect(log.indexed.map((document) => document.id)).toEqual([accepted]);
    expect(await outboxRows(database)).toEqual([{ productId: refused, attempts: 1, due: false }]);
  });

  it("waits longer after each failed attempt, up to the cap", async () => {
    const id = await createProduct("Backoff", 1_000, 1);
    failBulk(mock, 503);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      await makeRetriesDue(database);
      await worker.drain();
      const result = await database.query<{ seconds: number }>(
        `SELECT extract(epoch FROM next_attempt_at - now())::float8 AS seconds
           FROM search_outbox WHERE product_id = $1`,
        [id],
      );
      delays.push(Math.round(result.rows[0]!.seconds));
    }
    // 1 s doubling per attempt, capped at 300 s.
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
  });

  it("delivers in the background once started, until stopped", async () => {
    const log: IndexLog = { indexed: [], deleted: [] };
    acceptBulk(mock, log);
    worker.start();
    const ids = [];
    for (let index = 0; index < 5; index += 1) ids.push(await createProduct(`Background ${index}`, 1_000, 1));

    await vi.waitFor(async () => expect(await outboxRows(database)).toEqual([]), { timeout: 10_000 });
    await worker.stop();
    expect(log.indexed.map((document) => document.id).sort()).toEqual(ids.sort());
  });
});
