/**
 * The one harness for end-to-end tests of the running system: the launcher's startSystem (the code `npm start` runs)
 * on scratch databases, free ports and a scratch DATA_DIR, and a shopper who places orders through GraphQL.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createScratchDatabases, dataOf, graphqlCall } from "./testing/index.js";
import { freePort, freePorts } from "./ports.js";
import { startSystem, type RunningSystem, type ServiceName } from "./system.js";

export const TEST_ADMIN = { email: "admin@observability.polyscale.test", password: "observability-admin-1" };

export interface TestSystem {
  system: RunningSystem;
  ports: Record<ServiceName, number>;
  metricsPorts: Record<ServiceName, number>;
  /** The scratch databases of the three services, for tests that look at what was stored. */
  databaseUrls: Record<"account" | "product" | "order", string>;
  /** The processes' DATA_DIR (a scratch folder) and environment, e.g. for a second gateway beside the first. */
  dataDir: string;
  env: Record<string, string | undefined>;
  /** Stops the processes, drops the databases and deletes the folder. */
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** Environment of every process, over the defaults below (e.g. ADMIN_EMAIL, NATS_URL, limits under test). */
  env?: Record<string, string | undefined>;
  /** Start only these (default: all four); every service still gets its database. */
  only?: ServiceName[];
}

const names: ServiceName[] = ["gateway", "account", "product", "order"];

/**
 * Starts the system for a test file. Defaults: NODE_ENV=test, LOG_LEVEL=warn, TEST_ADMIN as the first admin, and a hold
 * limit of 100 unpaid orders per account (one customer places many orders in these tests; the limit has tests of its
 * own). Throws what startSystem throws, after cleaning up.
 */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-e2e-"));
  let databases: Awaited<ReturnType<typeof createScratchDatabases>> | undefined;
  const cleanUp = async () => {
    await databases?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    databases = await createScratchDatabases(["account", "product", "order"]);
    const [ports, metricsPorts] = [await freePorts(names), await freePorts(names)];
    const env = {
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      ORDER_MAX_UNPAID_PER_ACCOUNT: "100",
      ...options.env,
    };
    const system = await startSystem({
      ports,
      metricsPorts,
      dataDir,
      databaseUrls: databases.urls,
      only: options.only,
      env,
    });
    return {
      system,
      ports,
      metricsPorts,
      databaseUrls: databases.urls,
      dataDir,
      env,
      async stop() {
        await system.stop();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/**
 * One more process of `name` beside a test system (a second gateway, an order or product replica): a system of that
 * one process with the same environment, databases and services, on a port of its own. Stop it before the system.
 */
export async function startReplica(running: TestSystem, name: ServiceName): Promise<RunningSystem> {
  return startSystem({
    ports: { ...running.ports, [name]: await freePort() },
    dataDir: running.dataDir,
    databaseUrls: running.databaseUrls,
    env: running.env,
    only: [name],
  });
}

/**
 * The data of one GraphQL operation that must succeed (the test fails, showing the errors, otherwise), through the
 * shared client (testing/http.ts). Data is the shape the operation selects, as the caller states it (the answer is not
 * checked against it).
 */
export async function graphql<Data = unknown>(
  system: RunningSystem,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<Data> {
  return dataOf(await graphqlCall<Data>(system.gatewayUrl, query, variables, { token, headers }));
}

export interface Shop {
  adminToken: string;
  customer: { id: string; token: string };
  product: { id: string };
}

/** An admin session, one product with plenty of stock and one registered customer. */
export async function openShop(system: RunningSystem): Promise<Shop> {
  const login = await graphql<{ login: { accessToken: string } }>(
    system,
    `
      mutation Login($e: String!, $p: String!) {
        login(email: $e, password: $p) {
          accessToken
        }
      }
    `,
    { e: TEST_ADMIN.email, p: TEST_ADMIN.password },
  );
  const adminToken = login.login.accessToken;
  const created = await graphql<{ createProduct: { id: string } }>(
    system,
    `
      mutation CreateProduct($product: ProductInput!) {
        createProduct(product: $product) {
          id
        }
      }
    `,
    { product: { name: "Observatory lamp", description: "Bright", price: 12.5, stock: 10_000 } },
    adminToken,
  );
  const registered = await graphql<{ register: { accessToken: string; account: { id: string } } }>(
    system,
    `
      mutation Register($input: RegisterInput!) {
        register(input: $input) {
          accessToken
          account {
            id
          }
        }
      }
    `,
    {
      input: {
        name: "Olive",
        email: `olive-${Math.random().toString(36).slice(2, 10)}@observability.test`,
        password: "correct-horse-battery-9",
      },
    },
  );
  return {
    adminToken,
    customer: { id: registered.register.account.id, token: registered.register.accessToken },
    product: { id: created.createProduct.id },
  };
}

export const PLACE_ORDER = `mutation PlaceOrder($order: OrderInput!) { createOrder(order: $order) { id status } }`;

/** Places one order of one unit through GraphQL; returns the order id. */
export async function placeOrder(system: RunningSystem, shop: Shop, headers: Record<string, string> = {}) {
  const data = await graphql<{ createOrder: { id: string } }>(
    system,
    PLACE_ORDER,
    { order: { accountId: shop.customer.id, products: [{ id: shop.product.id, quantity: 1 }] } },
    shop.customer.token,
    headers,
  );
  return data.createOrder.id;
}
