import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createProductClient, SearchSort, type ProductClient } from "@polyscale/product";
import { freePorts } from "@polyscale/tools/ports";
import { relevanceScore, runRelevanceQueries, type RelevanceScore } from "@polyscale/tools/relevance";
import { relevanceCatalogue, relevanceQueries } from "@polyscale/tools/relevance-catalogue";
import { createScratchDatabase, dropScratchDatabase } from "@polyscale/tools/scratch-databases";
import { startSystem } from "@polyscale/tools/system";

/** The relevance suite's score of the engine a product service runs without Elasticsearch: PostgreSQL. */
export interface EngineRelevance extends RelevanceScore {
  engine: "postgres";
}

/** Stores the catalogue through the service (each named category created once); the ids mapped to the names. */
async function seedCatalogue(product: ProductClient): Promise<Map<string, string>> {
  const categoryIds = new Map<string, string>();
  const names = new Map<string, string>();
  for (const item of relevanceCatalogue) {
    let categoryId = item.categoryName === undefined ? "" : categoryIds.get(item.categoryName);
    if (categoryId === undefined) {
      const { category } = await product.createCategory({ name: item.categoryName!, slug: "", parentId: "" });
      categoryId = category!.id;
      categoryIds.set(item.categoryName!, categoryId);
    }
    const { product: created } = await product.createProduct({
      name: item.name,
      description: item.description,
      priceCents: item.priceCents,
      currency: "USD",
      categoryId,
      stock: item.stock,
    });
    names.set(created!.id, item.name);
  }
  return names;
}

/**
 * The relevance suite of the product tests (@polyscale/tools/relevance), through the product service's public API:
 * a product service of its own on a scratch database of the server at `adminUrl` (both removed afterwards), without
 * Elasticsearch or NATS, seeded with the relevance catalogue over gRPC and asked each judged query by relevance.
 */
export async function measureRelevance(adminUrl: string): Promise<EngineRelevance> {
  const databaseUrl = await createScratchDatabase(adminUrl);
  const dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-bench-relevance-"));
  try {
    const system = await startSystem({
      ports: await freePorts(["gateway", "account", "product", "order"]),
      dataDir,
      databaseUrls: { product: databaseUrl },
      only: ["product"],
      env: { LOG_LEVEL: "warn", ELASTICSEARCH_URL: undefined, NATS_URL: undefined },
    });
    const product = createProductClient({ address: system.addresses.product, deadlineMs: 10_000 });
    try {
      const names = await seedCatalogue(product);
      const runs = await runRelevanceQueries(
        async (text, take) => {
          const result = await product.searchProducts({
            query: text,
            categoryIds: [],
            inStockOnly: false,
            options: [],
            sort: SearchSort.SEARCH_SORT_RELEVANCE,
            skip: 0,
            take,
            currency: "USD",
          });
          return result.products.map(({ id }) => id);
        },
        names,
        relevanceQueries,
      );
      return { engine: "postgres", ...relevanceScore(runs) };
    } finally {
      product.close();
      await system.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await dropScratchDatabase(adminUrl, databaseUrl);
  }
}
