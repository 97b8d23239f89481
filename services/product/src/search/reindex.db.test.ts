import type { Client } from "@elastic/elasticsearch";
import { newId, type Database } from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/tools/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrationsDir } from "../storage.js";
import { PRODUCT_INDEX_MAPPINGS, type ProductDocument } from "./elasticsearch-index.js";
import { mockElasticsearchClient, type ClientMock, type MockPattern } from "./test-mock-elasticsearch.js";
import { reindex } from "./reindex.js";

describe.each(databaseBackends())("reindex on $name", (backend) => {
  let test: TestDatabase;
  let database: Database;
  let client: Client;
  let mock: ClientMock;
  let created: MockPattern[];
  let bulks: MockPattern[];
  let deleted: string[];
  let aliasActions: unknown[];
  let productIds: string[];

  beforeEach(async () => {
    test = await backend.open(migrationsDir);
    database = test.database;
    ({ client, mock } = mockElasticsearchClient());
    created = [];
    bulks = [];
    deleted = [];
    aliasActions = [];
    mock.add({ method: "PUT", path: "/:index" }, (request: MockPattern) => {
      created.push(request);
      return { acknowledged: true, shards_acknowledged: true, index: String(request.path).slice(1) };
    });
    mock.add({ method: ["GET", "POST"], path: "/:index/_refresh" }, () => ({
      _shards: { total: 1, successful: 1, failed: 0 },
    }));
    mock.add({ method: "DELETE", path: "/:index" }, (request: MockPattern) => {
      deleted.push(String(request.path).slice(1));
      return { acknowledged: true };
    });
    mock.add({ method: "HEAD", path: "/products" }, () => "");
    mock.add({ method: "GET", path: "/products" }, () => ({ "products-old": { aliases: { products: {} } } }));
    mock.add({ method: "POST", path: "/_aliases" }, (request: MockPattern) => {
      aliasActions.push(...(request.body as { actions: unknown[] }).actions);
      return { acknowledged: true };
    });

    // Written an hour ago, so only what a test changes during the rebuild counts as changed meanwhile.
    const category = newId();
    await database.query("INSERT INTO categories (id, name, slug) VALUES ($1, 'Kitchen', 'kitchen')", [category]);
    productIds = Array.from({ length: 5 }, () => newId()).sort();
    for (const [index, id] of productIds.entries()) {
      await database.query(
        `INSERT INTO products (id, name, description, price_cents, currency, category_id, stock, created_at, updated_at)
         VALUES ($1, $2, '', $3, 'USD', $4, $5, now() - interval '1 hour', now() - interval '1 hour')`,
        [id, `Pan ${index}`, 1_000 + index, index % 2 === 0 ? category : null, index],
      );
    }
  });

  afterEach(async () => {
    await test.close();
  });

  function acceptBulks(): void {
    mock.add({ method: "POST", path: "/:index/_bulk" }, (request: MockPattern) => {
      bulks.push(request);
      const operations = request.body as Array<{ index?: { _id: string } }>;
      const items = operations.flatMap((line) => (line.index ? [{ index: { _id: line.index._id, status: 201 } }] : []));
      return { took: 1, errors: false, items };
    });
  }

  it("fills a new index in id order batches, then swaps the alias to it and drops the old index", async () => {
    acceptBulks();
    const progress: Array<[number, number]> = [];
    const report = await reindex({
      database,
      client,
      alias: "products",
      batchSize: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(created).toHaveLength(1);
    const index = String(created[0]!.path).slice(1);
    expect(index).toMatch(/^products-/);
    expect(created[0]!.body).toMatchObject({ mappings: PRODUCT_INDEX_MAPPINGS, aliases: {} });

    expect(bulks.map((bulk) => bulk.path)).toEqual([`/${index}/_bulk`, `/${index}/_bulk`, `/${index}/_bulk`]);
    // The new index is not an alias yet, so these writes must not require one.
    expect(bulks.every((bulk) => bulk.querystring?.require_alias === "false")).toBe(true);
    const documents = bulks.flatMap((bulk) =>
      (bulk.body as Array<ProductDocument | { index: unknown }>).filter(
        (line): line is ProductDocument => "id" in line,
      ),
    );
    expect(documents.map((document) => document.id)).toEqual(productIds);
    expect(documents[0]).toMatchObject({ name: "Pan 0", priceCents: 1_000, categoryName: "Kitchen", inStock: false });
    expect(documents[1]).toMatchObject({ name: "Pan 1", categoryId: null, categoryName: null, inStock: true });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);

    expect(aliasActions).toEqual([{ add: { index, alias: "products" } }, { remove_index: { index: "products-old" } }]);
    expect(report).toEqual({ index, replaced: ["products-old"], indexed: 5, caughtUp: 0 });
  });

  it("writes products changed just before or while it ran again, through the alias, after the switch", async () => {
    acceptBulks();
    // A change whose transaction began just before the rebuild may commit after it read that product.
    const changedLate = productIds[4]!;
    await database.query("UPDATE products SET stock = 0, updated_at = now() WHERE id = $1", [changedLate]);

    const report = await reindex({ database, client, alias: "products", batchSize: 2 });

    expect(report.caughtUp).toBe(1);
    const last = bulks[bulks.length - 1]!;
    expect(last.path).toBe("/products/_bulk");
    expect((last.body as Array<ProductDocument | { index: unknown }>).filter((line) => "id" in line)).toEqual([
      expect.objectContaining({ id: changedLate, stock: 0, inStock: false }),
    ]);
  });

  it("leaves the alias alone and drops the half-built index when Elasticsearch refuses a product", async () => {
    mock.add({ method: "POST", path: "/:index/_bulk" }, () => ({
      took: 1,
      errors: true,
      items: [{ index: { _id: productIds[0], status: 400, error: { type: "mapper_parsing_exception" } } }],
    }));
    await expect(reindex({ database, client, alias: "products" })).rejects.toThrow("refused 1 products");
    expect(deleted).toEqual([String(created[0]!.path).slice(1)]);
    expect(aliasActions).toEqual([]);
  });
});
