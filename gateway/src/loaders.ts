import DataLoader from "dataloader";
import type { Account } from "@polyscale/account";
import type { Order } from "@polyscale/order";
import type { Category, Product } from "@polyscale/product";
import type { Services } from "./services.js";

/** Batches and caches look-ups within one request, so a query over N parents makes one call per service. */
export interface Loaders {
  accountById: DataLoader<string, Account | undefined>;
  productById: DataLoader<string, Product | undefined>;
  ordersByAccountId: DataLoader<string, Order[]>;
  categoryById: DataLoader<string, Category | undefined>;
}

/** The batch RPCs accept at most this many ids; larger batches are split. */
const MAX_BATCH = 100;

function byId<T extends { id: string }>(ids: readonly string[], found: readonly T[]): Array<T | undefined> {
  const index = new Map(found.map((item) => [item.id, item]));
  return ids.map((id) => index.get(id));
}

export function createLoaders(services: Services): Loaders {
  return {
    accountById: new DataLoader(
      async (ids) => byId(ids, (await services.account.getAccounts({ ids: [...ids] })).accounts),
      { maxBatchSize: MAX_BATCH },
    ),
    productById: new DataLoader(
      async (ids) => byId(ids, (await services.product.getProducts({ ids: [...ids] })).products),
      { maxBatchSize: MAX_BATCH },
    ),
    ordersByAccountId: new DataLoader(
      async (accountIds) => {
        const response = await services.order.listOrdersForAccounts({ accountIds: [...accountIds] });
        const index = new Map(response.accounts.map((entry) => [entry.accountId, entry.orders]));
        return accountIds.map((accountId) => index.get(accountId) ?? []);
      },
      { maxBatchSize: MAX_BATCH },
    ),
    // The category list is small and has no batch-by-id call: one ListCategories answers every key of a request.
    categoryById: new DataLoader(async (ids) => byId(ids, (await services.product.listCategories({})).categories)),
  };
}
