import { createLogger } from "@polyscale/platform";
import { openProductDatabase } from "../storage.js";
import { seedForSearch } from "../search-seed.js";
import { PostgresSearchEngine } from "./postgres-engine.js";
import { relevanceCatalogue, relevanceQueries } from "./relevance-catalogue.js";
import { meanNdcgAt, RELEVANCE_CUTOFF, runRelevanceQueries } from "./relevance.js";

/** The relevance suite's score of one engine: mean NDCG@10 overall and per kind of query. */
export interface RelevanceScore {
  engine: "postgres";
  queries: number;
  meanNdcg: number;
  byKind: Record<string, number>;
}

/**
 * For the benchmark: migrates the empty database at `databaseUrl` (a scratch database the caller creates and drops),
 * seeds the relevance catalogue into it and scores the PostgreSQL engine on the judged queries, as the relevance
 * suite of the tests does (relevance.ts).
 */
export async function measureRelevance(databaseUrl: string): Promise<RelevanceScore> {
  const database = await openProductDatabase({ databaseUrl }, createLogger("relevance", "warn"));
  try {
    const seeded = await seedForSearch(database, relevanceCatalogue);
    const names = new Map(seeded.map((product) => [product.id, product.name]));
    const runs = await runRelevanceQueries(new PostgresSearchEngine(database), names, relevanceQueries);
    const kinds = [...new Set(runs.map((run) => run.kind))];
    return {
      engine: "postgres",
      queries: runs.length,
      meanNdcg: meanNdcgAt(RELEVANCE_CUTOFF, runs),
      byKind: Object.fromEntries(
        kinds.map((kind) => [
          kind,
          meanNdcgAt(
            RELEVANCE_CUTOFF,
            runs.filter((run) => run.kind === kind),
          ),
        ]),
      ),
    };
  } finally {
    await database.close();
  }
}
