/**
 * Rebuilds the Elasticsearch index from the database: `node services/product/dist/search/reindex.js`.
 *
 * Fills a new physical index with the products on sale (archived ones are not searched), then switches the alias (ELASTICSEARCH_INDEX) to it and drops the old one in one atomic
 * step, so search keeps answering from the old index meanwhile. Products changed while it ran (whose events the
 * running service's indexer may have applied to the old index) are written again, to the new one, after the switch.
 *
 * Reads PRODUCT_DATABASE_URL and ELASTICSEARCH_URL, both required.
 */
import type { Client, estypes } from "@elastic/elasticsearch";
import {
  ConfigError,
  createLogger,
  describeError,
  exitOnFailure,
  readConfig,
  type Database,
} from "@polyscale/platform";
import { pathToFileURL } from "node:url";
import { productSettings } from "../config.js";
import { drawProgress } from "../progress.js";
import * as repository from "../repository.js";
import { openProductDatabase } from "../storage.js";
import { createProductIndex, physicalIndexName, toProductDocument } from "./elasticsearch-index.js";
import { createElasticsearchClient, ElasticsearchEngine } from "./elasticsearch.js";
import { indexCurrentState } from "./indexer.js";

const BATCH_SIZE = 1_000;

export interface ReindexReport {
  /** The physical index the alias now points to. */
  index: string;
  /** The indices it pointed to before, now deleted. */
  replaced: string[];
  indexed: number;
  /** Products changed while the rebuild ran, written again to the new index after the switch. */
  caughtUp: number;
}

export async function reindex(options: {
  database: Database;
  client: Client;
  alias: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<ReindexReport> {
  const { database, client, alias } = options;
  const batchSize = options.batchSize ?? BATCH_SIZE;
  // A margin before now: a change committed later may carry an earlier updated_at (its transaction's start time).
  const changedSince = await repository.changesMark(database);
  const total = await repository.countProductsOnSale(database);

  const index = physicalIndexName(alias);
  await createProductIndex(client, index);
  const target = new ElasticsearchEngine({ client, index, writesRequireAlias: false });
  let indexed = 0;
  try {
    let after: string | null = null;
    for (;;) {
      const batch = await repository.indexedProductsAfter(database, after, batchSize);
      if (batch.length === 0) break;
      const refused = await target.indexDocuments(
        batch.map((product) => toProductDocument(product, product.categoryName)),
      );
      if (refused.length > 0) throw new Error(`Elasticsearch refused ${refused.length} products, e.g. ${refused[0]}`);
      indexed += batch.length;
      after = batch[batch.length - 1]!.id;
      options.onProgress?.(indexed, Math.max(total, indexed));
    }
    await client.indices.refresh({ index });
  } catch (error) {
    // The half-built index is useless; the alias never pointed to it.
    await client.indices.delete({ index }).catch(() => undefined);
    throw error;
  }

  const replaced = await indicesBehind(client, alias);
  await client.indices.updateAliases({
    actions: [
      { add: { index, alias } },
      // remove_index also replaces a plain index that has the alias's name, left by an older set-up.
      ...replaced.map((old): estypes.IndicesUpdateAliasesAction => ({ remove_index: { index: old } })),
    ],
  });

  const changedIds = await repository.productIdsChangedSince(database, changedSince);
  const refused = await indexCurrentState(database, new ElasticsearchEngine({ client, index: alias }), changedIds);
  if (refused.size > 0) throw new Error(`Elasticsearch refused ${refused.size} changed products; run reindex again`);
  return { index, replaced, indexed, caughtUp: changedIds.length };
}

/** The physical indices the name resolves to: those behind the alias, or the index of that name; none if absent. */
async function indicesBehind(client: Client, alias: string): Promise<string[]> {
  if (!(await client.indices.exists({ index: alias }))) return [];
  return Object.keys(await client.indices.get({ index: alias }));
}

async function main(): Promise<void> {
  const config = readConfig(productSettings);
  const logger = createLogger("product-reindex", config.logLevel);
  if (!config.elasticsearchUrl) {
    throw new ConfigError(["ELASTICSEARCH_URL: required: it names the cluster to rebuild the index in"]);
  }
  const database = await openProductDatabase(config, logger);
  const client = createElasticsearchClient(config.elasticsearchUrl);
  try {
    const report = await reindex({
      database,
      client,
      alias: config.elasticsearchIndex,
      onProgress: (done, total) => drawProgress(done, total, "products"),
    });
    logger.info({ alias: config.elasticsearchIndex, ...report }, "search index rebuilt");
  } catch (error) {
    logger.error({ err: describeError(error) }, "reindex failed; the previous index is unchanged");
    process.exitCode = 1;
  } finally {
    await client.close();
    await database.close();
  }
}

// Runs only as a command, not when a test imports reindex().
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  await main().catch(exitOnFailure("product reindex cannot run"));
