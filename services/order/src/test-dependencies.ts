/**
 * For tests only: the real account and product services, started as the built processes on free ports with their
 * own fresh storage (scratch databases on the test run's PostgreSQL), and the order service as a
 * process too, for end-to-end tests.
 */
import { createAccountClient, type AccountClient } from "@polyscale/account";
import { createProductClient, type ProductClient } from "@polyscale/product";
import { checkHealth, startProcess, type RunningProcess } from "@polyscale/platform";
import { createScratchDatabases } from "@polyscale/platform/testing";
import { freePort } from "@polyscale/tools/ports";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
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
  const dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-order-test-"));
  const names: ServiceName[] = options.order ? ["account", "product", "order"] : ["account", "product"];
  const databases = await createScratchDatabases(names);
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()]))) as Record<
    ServiceName,
    number
  >;
  const addresses = Object.fromEntries(names.map((name) => [name, `127.0.0.1:${ports[name]}`])) as Record<
    ServiceName,
    string
  >;
  const env: Record<string, string | undefined> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    NODE_ENV: "test",
    ACCOUNT_PORT: String(ports.account),
    PRODUCT_PORT: String(ports.product),
    ORDER_PORT: String(ports.order),
    ACCOUNT_SERVICE_ADDRESS: addresses.account,
    PRODUCT_SERVICE_ADDRESS: addresses.product,
    ACCOUNT_DATABASE_URL: databases.urls.account,
    PRODUCT_DATABASE_URL: databases.urls.product,
    ORDER_DATABASE_URL: databases.urls.order,
    ...options.order?.env,
  };

  const running: Partial<Record<ServiceName, RunningProcess>> = {};
  const start = async (name: ServiceName) => {
    running[name] = await startProcess({
      name,
      script: path.join(repositoryRoot, `services/${name}/dist/main.js`),
      env,
      isReady: () => checkHealth(addresses[name]),
      timeoutMs: 60_000,
    });
  };
  const stop = async (name: ServiceName) => {
    await running[name]?.stop();
    delete running[name];
  };
  const signal = async (name: ServiceName, signal: "SIGKILL" | "SIGSTOP" | "SIGCONT") => {
    const child = running[name]!.child;
    if (signal !== "SIGKILL") {
      child.kill(signal);
      return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    delete running[name];
  };
  const replicas: RunningProcess[] = [];
  const startOrderReplica = async () => {
    if (!options.order) throw new Error("an order replica needs the order service's environment");
    const address = `127.0.0.1:${await freePort()}`;
    const replica = await startProcess({
      name: "order replica",
      script: path.join(repositoryRoot, "services/order/dist/main.js"),
      env: { ...env, ORDER_PORT: address.split(":")[1] },
      isReady: () => checkHealth(address),
      timeoutMs: 60_000,
    });
    replicas.push(replica);
    return { address, output: () => replica.output() };
  };
  const accounts = createAccountClient({ address: addresses.account, deadlineMs: DEADLINE_MS });
  const products = createProductClient({ address: addresses.product, deadlineMs: DEADLINE_MS });
  // A client whose server went away reconnects with a backoff; after a restart, wait until the shared clients (which
  // the tests and the service under test call through) are connected again.
  const reachable: Record<ServiceName, () => Promise<unknown>> = {
    account: () => accounts.getAccounts({ ids: [] }),
    product: () => products.getProducts({ ids: [] }),
    order: () => Promise.resolve(undefined),
  };
  const restart = async (name: ServiceName) => {
    await start(name);
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
  const close = async () => {
    accounts.close();
    products.close();
    for (const replica of replicas) await replica.stop();
    for (const name of [...names].reverse()) await stop(name);
    await databases.drop();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await Promise.all([start("account"), start("product")]);
    if (options.order) await start("order");
  } catch (error) {
    await close();
    throw error;
  }
  return {
    accounts,
    products,
    addresses,
    stop,
    start: restart,
    signal,
    output: (name) => running[name]?.output() ?? "",
    startOrderReplica,
    close,
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
