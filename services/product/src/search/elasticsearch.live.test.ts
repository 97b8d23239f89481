import { databaseBackends } from "@polyscale/tools/testing";
import { describe } from "vitest";
import * as repository from "../repository.js";
import { migrationsDir } from "../storage.js";
import { seedForSearch } from "../test-search-seed.js";
import { createElasticsearchClient, ElasticsearchEngine } from "./elasticsearch.js";
import { indexCurrentState } from "./indexer.js";
import { RELEVANCE_THRESHOLD } from "@polyscale/tools/relevance";
import { describeRelevanceSuite, describeSearchEngineBehaviour } from "./test-search-engine-behaviour.js";
import type { SearchEngineFixture } from "./test-search-query.js";

const elasticsearchUrl = process.env.ELASTICSEARCH_URL;

// Needs a live cluster; without ELASTICSEARCH_URL the suite is skipped (the request shapes are tested with a mock).
describe.runIf(elasticsearchUrl)("ElasticsearchEngine against a live cluster", () => {
  const setup = async (): Promise<SearchEngineFixture> => {
    const test = await databaseBackends()[0]!.open(migrationsDir);
    const client = createElasticsearchClient(elasticsearchUrl!);
    // A fresh alias per run, so runs never see each other's documents.
    const alias = `products-test-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const engine = new ElasticsearchEngine({
      client,
      index: alias,
      loadProducts: (ids) => repository.getProducts(test.database, ids),
    });
    await engine.ensureIndex();
    return {
      engine,
      // Through the repository, then the indexer's write of the products' current state.
      async seed(products) {
        const seeded = await seedForSearch(test.database, products);
        const ids = (await test.database.query<{ id: string }>("SELECT id FROM products")).rows.map((row) => row.id);
        const refused = await indexCurrentState(test.database, engine, ids);
        if (refused.size > 0) throw new Error(`${refused.size} products were not indexed`);
        await client.indices.refresh({ index: alias });
        return seeded;
      },
      async close() {
        await client.indices.delete({ index: `${alias}-*` });
        await client.close();
        await test.close();
      },
    };
  };
  describeSearchEngineBehaviour("elasticsearch", setup);
  describeRelevanceSuite("elasticsearch", RELEVANCE_THRESHOLD, setup);
});
