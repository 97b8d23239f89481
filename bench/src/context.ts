import type { AccountClient } from "@polyscale/account";
import type { OrderClient } from "@polyscale/order";
import type { Database } from "@polyscale/platform";
import type { ProductClient } from "@polyscale/product";
import type { BenchSettings } from "./settings.js";

/** What every scenario is given: the running system's addresses and clients, and the data prepared for it. */
export interface BenchContext {
  settings: BenchSettings;
  gatewayUrl: string;
  account: AccountClient;
  product: ProductClient;
  order: OrderClient;
  /** Seeded products that point reads pick from at random. */
  pointReadIds: string[];
  /** The product service's PostgreSQL database (pgbench, in-process queries). */
  productDatabaseUrl?: string;
  /** A pool on that database inside this process: the same query without the gRPC hop. */
  productDatabase?: Database;
  /** pgbench's version line; absent when it is not installed (its rows then read n/a). */
  pgbenchVersion?: string;
  /** An admin's access token for gateway queries that need one. */
  adminToken: string;
  /** Customer accounts that race for stock in the checkout scenario. */
  buyerIds: string[];
  cores: number;
}

export function pickAtRandom<T>(values: readonly T[]): T {
  return values[Math.floor(Math.random() * values.length)]!;
}
