import { Database, newId } from "@polyscale/platform";
import { startNatsServer, type TestNatsServer } from "@polyscale/tools/nats-server";
import type { RunningSystem } from "@polyscale/tools/system";
import { startReplica, startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProductClient, SearchSort, type ProductClient } from "../client.js";

/**
 * The search result cache across two replicas of the product service (real processes on one database and one NATS
 * server): a change made through one replica is never hidden by the other's cache. Each check first makes the cached
 * result provably stale with a write that records no event (straight SQL), so a replica that answered from the
 * database instead of its cache would fail the first expectation, and one that missed the event would fail the
 * second (within two seconds).
 */

describe("search cache across two product-service replicas", () => {
  let shop: TestSystem;
  let replicaB: RunningSystem;
  const clients: ProductClient[] = [];
  let database: Database;
  let nats: TestNatsServer;

  beforeAll(async () => {
    nats = await startNatsServer();
    shop = await startTestSystem({
      only: ["product"],
      env: { ELASTICSEARCH_URL: undefined, NATS_URL: nats.url, SEARCH_CACHE_ENTRIES: "100" },
    });
    replicaB = await startReplica(shop, "product");
    for (const system of [shop.system, replicaB]) {
      clients.push(createProductClient({ address: system.addresses.product, deadlineMs: 10_000 }));
    }
    database = await Database.open({ url: shop.databaseUrls.product, poolSize: 1 });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await replicaB?.stop();
    await shop?.stop();
    await database?.close();
    await nats?.close();
  });

  const searchTents = (client: ProductClient) =>
    client.searchProducts({
      query: "Tent",
      categoryIds: [],
      inStockOnly: false,
      options: [],
      sort: SearchSort.SEARCH_SORT_RELEVANCE,
      skip: 0,
      take: 10,
    });

  /**
   * Events reach the other replica a moment after the commit (the relay polls the outbox every 50 ms): freshness
   * is polled for, briefly.
   */
  const POLL = { timeout: 2_000, interval: 20 };

  /** A write no replica hears of: straight SQL, without the event every change through the service records. */
  const silently = (sql: string, values: unknown[]) => database.query(sql, values);

  it("shows a change made through a replica in that replica's next search, every time", async () => {
    const a = clients[0]!;
    const { product } = await a.createProduct({
      name: "Storm Lantern 0",
      description: "Burns all night.",
      priceCents: 4_500,
      currency: "",
      categoryId: "",
      stock: 1,
    });
    const id = product!.id;
    const lanterns = async (inStockOnly: boolean) => {
      const result = await a.searchProducts({
        query: "lantern",
        categoryIds: [],
        inStockOnly,
        options: [],
        sort: SearchSort.SEARCH_SORT_RELEVANCE,
        skip: 0,
        take: 10,
      });
      return result.products.filter((found) => found.id === id).map(({ name, priceCents }) => ({ name, priceCents }));
    };
    // Each round first caches the result, then changes what it shows through the same replica and searches at once:
    // the change's event comes back from NATS only some milliseconds after the commit, too late to be relied on.
    for (let round = 1; round <= 30; round++) {
      await lanterns(false);
      await a.updateProduct({ id, name: `Storm Lantern ${round}` });
      expect(await lanterns(false)).toEqual([{ name: `Storm Lantern ${round}`, priceCents: 4_500 + round - 1 }]);
      await a.updateProduct({ id, priceCents: 4_500 + round });
      expect(await lanterns(false)).toEqual([{ name: `Storm Lantern ${round}`, priceCents: 4_500 + round }]);
      expect(await lanterns(true)).toHaveLength(1);
      await a.adjustStock({ productId: id, delta: -1 });
      expect(await lanterns(true)).toEqual([]);
      await a.adjustStock({ productId: id, delta: 1 });
      expect(await lanterns(true)).toHaveLength(1);
    }
  });

  it("answers repeated searches from the cache and drops them on any change made through the other replica", async () => {
    const [a, b] = clients as [ProductClient, ProductClient];
    const { category } = await a.createCategory({ name: "Camping", slug: "", parentId: "" });
    const { product } = await a.createProduct({
      name: "Dome Tent",
      description: "Sleeps two.",
      priceCents: 19_900,
      currency: "",
      categoryId: category!.id,
      stock: 3,
    });
    const id = product!.id;
    /** The tent as replica `client` finds it: stock and price, and how many tents it finds. */
    const seenBy = async (client: ProductClient) => {
      const result = await searchTents(client);
      const tent = result.products.find((found) => found.id === id)!;
      return { stock: tent.stock, priceCents: tent.priceCents, tents: result.totalCount };
    };
    let price = 19_900;
    /**
     * Changes the price unannounced and checks that B still answers from its cache (once the last event had time to
     * arrive, and B has cached the result again).
     */
    const staleB = async (expected: { stock: number; tents: number }) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await seenBy(b);
      await silently("UPDATE products SET price_cents = $2 WHERE id = $1", [id, ++price]);
      expect(await seenBy(b)).toEqual({ ...expected, priceCents: price - 1 });
    };

    expect(await seenBy(b)).toEqual({ stock: 3, priceCents: price, tents: 1 });
    await staleB({ stock: 3, tents: 1 });

    // Stock adjusted through replica A.
    await a.adjustStock({ productId: id, delta: 4 });
    await expect.poll(() => seenBy(b), POLL).toEqual({ stock: 7, priceCents: price, tents: 1 });

    // An order's reservation through A.
    await staleB({ stock: 7, tents: 1 });
    await a.reserveStock({ orderId: newId(), lines: [{ productId: id, quantity: 2 }] });
    await expect.poll(() => seenBy(b), POLL).toEqual({ stock: 5, priceCents: price, tents: 1 });

    // A new product through A.
    await staleB({ stock: 5, tents: 1 });
    await a.createProduct({
      name: "Tunnel Tent",
      description: "Sleeps four.",
      priceCents: 29_900,
      currency: "",
      categoryId: "",
      stock: 1,
    });
    await expect.poll(() => seenBy(b), POLL).toEqual({ stock: 5, priceCents: price, tents: 2 });

    // A product update through A.
    await staleB({ stock: 5, tents: 2 });
    await a.updateProduct({ id, description: "Sleeps two, with a porch." });
    await expect.poll(() => seenBy(b), POLL).toEqual({ stock: 5, priceCents: price, tents: 2 });

    // Without NATS no event can arrive: the replicas stop answering from their caches, and resume once reconnected.
    await staleB({ stock: 5, tents: 2 });
    await nats.kill();
    await expect.poll(() => seenBy(b), POLL).toEqual({ stock: 5, priceCents: price, tents: 2 });
    await nats.restart();
    const answersFromCache = async () => {
      const cachedPrice = (await seenBy(b)).priceCents;
      await silently("UPDATE products SET price_cents = $2 WHERE id = $1", [id, ++price]);
      return (await seenBy(b)).priceCents === cachedPrice;
    };
    await expect.poll(answersFromCache, POLL).toBe(true);
  });
});
