/**
 * For tests only: the real account and product services (and the order service as a process too, for end-to-end
 * tests), started by the one harness every test uses, startTestSystem (@polyscale/tools/test-shop: the launcher's
 * startSystem on scratch databases, free ports and a scratch DATA_DIR), with clients of the first two.
 */
import { createAccountClient, type AccountClient } from "@polyscale/account";
import { createProductClient, type ProductClient } from "@polyscale/product";
import type { RunningSystem } from "@polyscale/tools/system";
import { startReplica, startTestSystem } from "@polyscale/tools/test-shop";

const DEADLINE_MS = 5000;

type ServiceName = "account" | "product" | "order";

export interface TestServices {
  accounts: AccountClient;
  products: ProductClient;
  addresses: Partial<Record<ServiceName, string>>;
  /** Stops one service; start(name) brings it back on the same port and storage. */
  stop(name: ServiceName): Promise<void>;
  start(name: ServiceName): Promise<void>;
  /** Sends a signal to a running service: SIGKILL (waiting for the exit), or SIGSTOP/SIGCONT to make it hang. */
  signal(name: ServiceName, signal: "SIGKILL" | "SIGSTOP" | "SIGCONT"): Promise<void>;
  /** What a running service printed last (its log lines). */
  output(name: ServiceName): string;
  /** Starts another order service process on its own port over the same database. Stopped by close(). */
  startOrderReplica(): Promise<{ address: string; output(): string }>;
  /** Stops everything and removes its storage. */
  close(): Promise<void>;
}

export async function startTestServices(options: {
  backend: "postgres";
  /** Also start the order service as a process, with this extra environment. */
  order?: { env: Record<string, string> };
}): Promise<TestServices> {
  const shop = await startTestSystem({
    only: options.order ? ["account", "product", "order"] : ["account", "product"],
    env: options.order?.env,
  });
  const { system } = shop;
  const signal = async (name: ServiceName, signal: "SIGKILL" | "SIGSTOP" | "SIGCONT") => {
    const child = system.processes[name]!.child;
    if (signal !== "SIGKILL") {
      child.kill(signal);
      return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    await system.stopService(name);
  };
  const replicas: RunningSystem[] = [];
  const startOrderReplica = async () => {
    if (!options.order) throw new Error("an order replica needs the order service's environment");
    const replica = await startReplica(shop, "order");
    replicas.push(replica);
    return { address: replica.addresses.order, output: () => replica.processes.order?.output() ?? "" };
  };
  const accounts = createAccountClient({ address: system.addresses.account, deadlineMs: DEADLINE_MS });
  const products = createProductClient({ address: system.addresses.product, deadlineMs: DEADLINE_MS });
  // A client whose server went away reconnects with a backoff; after a restart, wait until the shared clients (which
  // the tests and the service under test call through) are connected again.
  const reachable: Record<ServiceName, () => Promise<unknown>> = {
    account: () => accounts.getAccounts({ ids: [] }),
    product: () => products.getProducts({ ids: [] }),
    order: () => Promise.resolve(undefined),
  };
  const restart = async (name: ServiceName) => {
    await system.startService(name);
    const giveUpAt = Date.now() + 10_000;
    while (
      !(await reachable[name]().then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > giveUpAt) throw new Error(`${name} service is healthy but its client cannot reach it`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    accounts,
    products,
    addresses: system.addresses,
    stop: (name) => system.stopService(name),
    start: restart,
    signal,
    output: (name) => system.processes[name]?.output() ?? "",
    startOrderReplica,
    async close() {
      accounts.close();
      products.close();
      for (const replica of replicas) await replica.stop();
      await shop.stop();
    },
  };
}

/** A new customer account, created through the account service's admin call. */
export async function createTestAccount(accounts: AccountClient): Promise<string> {
  const { account } = await accounts.createAccount({ name: "Test Customer", email: "", password: "", role: 0 });
  return account!.id;
}

/** A new product with the given price and stock, created through the product service. */
export async function createTestProduct(
  products: ProductClient,
  fields: { priceCents: number; stock: number; currency?: string; name?: string },
): Promise<string> {
  const { product } = await products.createProduct({
    name: fields.name ?? "Test product",
    description: "for order tests",
    priceCents: fields.priceCents,
    currency: fields.currency ?? "USD",
    categoryId: "",
    stock: fields.stock,
  });
  return product!.id;
}

/** Current available stock of each product, in the order given. */
export async function stockOf(products: ProductClient, ids: string[]): Promise<number[]> {
  const { products: found } = await products.getProducts({ ids });
  return ids.map((id) => found.find((product) => product.id === id)?.stock ?? Number.NaN);
}
