import { databaseBackends } from "@polyscale/platform/testing";
import { describe } from "vitest";
import { ProductRepository } from "../repository.js";
import { seedForSearch } from "../test-catalog.js";
import { migrationsDir } from "../storage.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import { describeSearchEngineBehaviour } from "./search-engine.behaviour.js";

describe.each(databaseBackends())("PostgresSearchEngine on $name", (backend) => {
  describeSearchEngineBehaviour(backend.name, async () => {
    const test = await backend.open(migrationsDir);
    const repository = new ProductRepository(test.database, { searchOutbox: false });
    return {
      engine: new PostgresSearchEngine(test.database),
      seed: (products) => seedForSearch(repository, products),
      close: () => test.close(),
    };
  });
});
