import type { BenchContext } from "../context.js";
import { pickAtRandom } from "../context.js";
import { isGraphqlSuccess } from "../gateway-http.js";
import { runClosedLoop, runHttpLoad, type LoadResult } from "../load.js";
import { runPgbench, type PgbenchResult } from "../pgbench.js";

/**
 * Point reads of one product by id, three ways at the same concurrency: GraphQL through the gateway, GetProduct
 * straight to the product service, and the product service's own SELECT under pgbench. The ratios say what each
 * layer costs on top of the one below it.
 */

export const PRODUCT_BY_ID_QUERY = `query ProductById($id: String!) {
  products(id: $id) { id name description price priceCents currency stock createdAt updatedAt }
}`;

/** The statement the product service runs for GetProduct (`getProduct` in services/product/src/repository.ts). */
export const GET_PRODUCT_SQL =
  "SELECT id, name, description, price_cents, currency, category_id, stock, created_at, updated_at " +
  "FROM products WHERE id = $1";

export type PointReadPath = "gateway" | "grpc" | "pgbench";

export interface PointReadsRound {
  /** The order the paths ran in this round (rotated every round). */
  order: PointReadPath[];
  gateway: LoadResult;
  grpc: LoadResult;
  /** Absent on the embedded engine (no server for pgbench to reach) or without pgbench installed. */
  pgbench?: PgbenchResult;
}

export function pointReadsViaGateway(context: BenchContext, seconds: number): Promise<LoadResult> {
  return runHttpLoad({
    url: `${context.gatewayUrl}/graphql`,
    connections: context.settings.pointReadConcurrency,
    durationSeconds: seconds,
    maxRequests: seconds * 200_000,
    headers: {},
    body: () => JSON.stringify({ query: PRODUCT_BY_ID_QUERY, variables: { id: pickAtRandom(context.pointReadIds) } }),
    isValid: isGraphqlSuccess,
  });
}

export function pointReadsViaGrpc(context: BenchContext, seconds: number): Promise<LoadResult> {
  return runClosedLoop({
    concurrency: context.settings.pointReadConcurrency,
    durationMs: seconds * 1000,
    maxRequests: seconds * 200_000,
    call: () => context.product.getProduct({ id: pickAtRandom(context.pointReadIds) }),
  });
}

export async function pointReadsViaPgbench(context: BenchContext, seconds: number): Promise<PgbenchResult | undefined> {
  if (!context.productDatabaseUrl || !context.pgbenchVersion) return undefined;
  return runPgbench({
    databaseUrl: context.productDatabaseUrl,
    sql: GET_PRODUCT_SQL,
    values: context.pointReadIds,
    clients: context.settings.pointReadConcurrency,
    threads: context.cores,
    seconds,
  });
}
