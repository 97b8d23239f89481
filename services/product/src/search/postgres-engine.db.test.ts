import { databaseBackends } from "@polyscale/tools/testing";
import { describe } from "vitest";
import { seedForSearch } from "../test-search-seed.js";
import { migrationsDir } from "../storage.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import type { SeedProduct } from "../test-search-seed.js";
import { describeRelevanceSuite, describeSearchEngineBehaviour } from "./test-search-engine-behaviour.js";
import { RELEVANCE_THRESHOLD } from "@polyscale/tools/relevance";

describe.each(databaseBackends())("PostgresSearchEngine on $name", (backend) => {
  const setup = async () => {
    const test = await backend.open(migrationsDir);
    return {
      engine: new PostgresSearchEngine({ database: test.database }),
      seed: (products: SeedProduct[]) => seedForSearch(test.database, products),
      close: () => test.close(),
    };
  };
  describeSearchEngineBehaviour(backend.name, setup);
  describeRelevanceSuite(backend.name, RELEVANCE_THRESHOLD, setup);
});
