/**
 * The gateway end-to-end suites (gateway-*.e2e.test.ts): the whole system as real processes (account, product, order,
 * gateway) on scratch databases of the test run's PostgreSQL, started once per file by useGatewayShop(); every
 * request goes through real HTTP and gRPC. The helpers below talk to the running gateway.
 */
import { afterAll, beforeAll, expect } from "vitest";
import type { RunningSystem } from "@polyscale/tools/system";
import { startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";
import { dataOf, graphqlCall, restCall, type RestOptions } from "@polyscale/tools/testing";

/** The running system of this test file (set by useGatewaySystem's beforeAll). */
export let system: RunningSystem;

export const ADMIN = { email: "admin@e2e.polyscale.test", password: "e2e-admin-password-1" };
export const WEBHOOK_SECRET = "e2e-webhook-secret";
export const PASSWORD = "correct-horse-battery-9";

/** A GraphQL call to this file's gateway; Data is the shape the operation selects, as the caller states it. */
export function graphql<Data = unknown>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
) {
  return graphqlCall<Data>(system.gatewayUrl, query, variables, { token, headers });
}

/** The data of a query that must succeed. */
export async function ok<Data = unknown>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Data> {
  return dataOf(await graphql<Data>(query, variables, token));
}

/** The first error's code (and field) of a query that must fail. */
export async function failure(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const result = await graphql(query, variables, token);
  expect(result.errors?.length).toBeGreaterThan(0);
  return { code: result.errors![0]!.extensions?.code, field: result.errors![0]!.extensions?.field };
}

/** The first error of a GraphQL call that must fail: code, reason and field. */
export async function refusal(query: string, variables: Record<string, unknown>, token?: string) {
  const result = await graphql(query, variables, token);
  expect(result.errors?.length).toBeGreaterThan(0);
  const { code, reason, field } = result.errors![0]!.extensions ?? {};
  return { code, reason, field };
}

/**
 * A REST call to this file's gateway; Body is the answer's shape, as the caller states it (not checked against it). An
 * empty answer's body is undefined: callers expecting one state `Body | undefined`.
 */
export function rest<Body = unknown>(method: string, route: string, options: RestOptions = {}) {
  return restCall<Body>(system.gatewayUrl, method, route, options);
}

export function downstreamCalls(headers: Headers): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const entry of (headers.get("server-timing") ?? "").split(",")) {
    const match = /^\s*(\w+);desc="calls=(\d+)"/.exec(entry);
    if (match) calls[match[1]!] = Number(match[2]);
  }
  return calls;
}

export const unique = () => Math.random().toString(36).slice(2, 10);

export async function register(name: string) {
  const data = await ok<{ register: { accessToken: string; account: { id: string; email: string } } }>(
    `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken account { id email role } } }`,
    { input: { name, email: `${name.toLowerCase()}-${unique()}@e2e.test`, password: PASSWORD } },
  );
  return {
    token: data.register.accessToken,
    id: data.register.account.id,
    email: data.register.account.email,
  };
}

export async function login(email: string, password: string): Promise<string> {
  const data = await ok<{ login: { accessToken: string } }>(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
    {
      e: email,
      p: password,
    },
  );
  return data.login.accessToken;
}

export const CREATE_PRODUCT = `mutation($product: ProductInput!) {
  createProduct(product: $product) { id name price priceCents currency stock inStock }
}`;

/** A product as CREATE_PRODUCT selects it. */
export interface CreatedProduct {
  id: string;
  name: string;
  price: number;
  priceCents: number;
  currency: string;
  stock: number;
  inStock: boolean;
}

export async function createProduct(adminToken: string, name: string, price: number, stock = 50) {
  const data = await ok<{ createProduct: CreatedProduct }>(
    CREATE_PRODUCT,
    { product: { name, description: `${name} for tests`, price, stock } },
    adminToken,
  );
  return data.createProduct;
}

/** A T-shirt's three colours (Red the default), 5 units each, priced 20.00, 21.00 and 22.00: a createProduct's variants. */
export const colourVariants = (tag: string) =>
  ["Red", "Blue", "Green"].map((colour, index) => ({
    sku: `TEE-${tag}-${colour}`.toUpperCase(),
    options: [
      { name: "Size", value: "M" },
      { name: "Colour", value: colour },
    ],
    priceCents: 2000 + 100 * index,
    stock: 5,
  }));

export const CREATE_ORDER = `mutation($order: OrderInput!, $key: String) {
  createOrder(order: $order, idempotencyKey: $key) {
    id accountId status totalPrice totalCents currency createdAt products { id name description price priceCents quantity }
  }
}`;

/** An order as CREATE_ORDER selects it; amounts in minor units are the *Cents fields. */
export interface PlacedOrder {
  id: string;
  accountId: string;
  status: string;
  totalPrice: number;
  totalCents: number;
  currency: string;
  createdAt: string;
  products: Array<{
    id: string;
    name: string;
    description: string;
    price: number;
    priceCents: number;
    quantity: number;
  }>;
}

export async function placeOrder(token: string, accountId: string, productId: string, quantity: number) {
  const data = await ok<{ createOrder: PlacedOrder }>(
    CREATE_ORDER,
    { order: { accountId, products: [{ id: productId, quantity }] } },
    token,
  );
  return data.createOrder;
}

/** Starts the system before this file's tests and stops it after them. */
function useGatewaySystem(): void {
  let running: TestSystem | undefined;
  beforeAll(async () => {
    running = await startTestSystem({
      env: {
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
        // Every test registers from 127.0.0.1; sessions-throttling.e2e.test.ts covers the registration throttle.
        ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "1000",
        // The customers here place more unpaid orders than the default hold limit; the limit has tests of its own.
        ORDER_MAX_UNPAID_PER_ACCOUNT: "100",
      },
    });
    system = running.system;
  });
  afterAll(async () => {
    await running?.stop();
  });
}

export interface TestCustomer {
  token: string;
  id: string;
  email: string;
}

export interface GatewayShop {
  adminToken: string;
  alice: TestCustomer;
  bob: TestCustomer;
  lantern: Awaited<ReturnType<typeof createProduct>>;
}

/**
 * Starts the system for this file (useGatewaySystem) and, before its tests, what most of them start from: an admin
 * session, two customers and a product. The returned object is filled in by then.
 */
export function useGatewayShop(): GatewayShop {
  useGatewaySystem();
  const shop = {} as GatewayShop;
  beforeAll(async () => {
    const adminToken = await login(ADMIN.email, ADMIN.password);
    Object.assign(shop, {
      adminToken,
      alice: await register("Alice"),
      bob: await register("Bob"),
      lantern: await createProduct(adminToken, `Zephyrlantern ${unique()}`, 19.99),
    });
  });
  return shop;
}
