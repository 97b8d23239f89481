import type { Queryable } from "@polyscale/platform";

/**
 * Transactional outbox for the Elasticsearch index: a product change inserts its outbox row in the same transaction,
 * so the change and the promise to index it commit together or not at all. The worker in outbox-worker.ts delivers
 * rows and deletes them only after Elasticsearch has accepted them.
 */
export async function enqueueSearchUpdates(tx: Queryable, productIds: readonly string[]): Promise<void> {
  if (productIds.length === 0) return;
  await tx.query("INSERT INTO search_outbox (product_id) SELECT unnest($1::uuid[])", [productIds]);
}
