import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "@polyscale/platform";
import { freePort } from "./ports.js";
import { startNatsServer, type TestNatsServer } from "./nats-server.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { startSystem, type RunningSystem, type ServiceName } from "./system.js";
import { dataOf, graphqlCall, type GraphQLAnswer } from "./testing/index.js";

/**
 * A full PostgreSQL restart under traffic: the system runs on an embedded server of its own, which is stopped (fast
 * shutdown, as a restart or failover does) and started again while customers browse and order. Every process, with its
 * background loops (reconciler, event relays publishing to a NATS server, token purge), must live through it; every
 * request gets its answer or a coded error; traffic succeeds again afterwards, no acknowledged order is lost, and the
 * relays publish every event written before, during and after.
 */

const ADMIN = { email: "admin@restart.polyscale.test", password: "restart-admin-password-1" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let postgresDir: string;
let dataDir: string;
let postgresPort: number;
let postgres: EmbeddedPostgres | undefined;
let nats: TestNatsServer;
let system: RunningSystem;

/**
 * One operation through the shared client, answered as it came (a refusal is an answer here, counted by the test);
 * never a 5xx, and never longer than 30 s, so a request the outage left hanging fails the test with its cause.
 */
async function graphql<Data = unknown>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLAnswer<Data>> {
  const answer = await graphqlCall<Data>(system.gatewayUrl, query, variables, {
    token,
    signal: AbortSignal.timeout(30_000),
  });
  expect(answer.status).toBeLessThan(500);
  return answer;
}

const data = async <Data>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
  dataOf(await graphql<Data>(query, variables, token));

const startPostgres = () => startEmbeddedPostgres({ dataDir: postgresDir, port: postgresPort });

beforeAll(async () => {
  postgresDir = await mkdtemp(path.join(tmpdir(), "polyscale-restart-pg-"));
  dataDir = await mkdtemp(path.join(tmpdir(), "polyscale-restart-data-"));
  postgresPort = await freePort();
  nats = await startNatsServer();
  postgres = await startPostgres();
  await postgres.ensureDatabases(["account", "product", "order"]);
  const names: ServiceName[] = ["gateway", "account", "product", "order"];
  const ports = await Promise.all(names.map(() => freePort()));
  system = await startSystem({
    ports: Object.fromEntries(names.map((name, index) => [name, ports[index]!])) as Record<ServiceName, number>,
    dataDir,
    databaseUrls: {
      account: postgres.urlOf("account"),
      product: postgres.urlOf("product"),
      order: postgres.urlOf("order"),
    },
    env: {
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "1000",
      ORDER_MAX_UNPAID_PER_ACCOUNT: "10000",
      ORDER_MAX_HELD_UNITS_PER_PRODUCT: "1000000",
      NATS_URL: nats.url,
      // The reconciler and the relays tick often, so they meet the outage too.
      RECONCILE_INTERVAL_MS: "200",
    },
  });
});

afterAll(async () => {
  await system?.stop();
  await postgres?.stop();
  await nats?.close();
  await rm(postgresDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

describe("a PostgreSQL restart under traffic", () => {
  it("is survived by every process: requests answer or fail coded, traffic succeeds after, acknowledged orders stay", async () => {
    const adminToken = (
      await data<{ login: { accessToken: string } }>(
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
        {
          e: ADMIN.email,
          p: ADMIN.password,
        },
      )
    ).login.accessToken;
    const productId = (
      await data<{ createProduct: { id: string } }>(
        `mutation { createProduct(product: { name: "Lamp", description: "", price: 12.5, stock: 1000000 }) { id } }`,
        {},
        adminToken,
      )
    ).createProduct.id;
    const customers = await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const registered = (
          await data<{ register: { accessToken: string; account: { id: string } } }>(
            `mutation($input: RegisterInput!) { register(input: $input) { accessToken account { id } } }`,
            {
              input: { name: `Shopper ${n}`, email: `shopper-${n}@restart.test`, password: "correct-horse-battery-9" },
            },
          )
        ).register;
        return { id: registered.account.id, token: registered.accessToken };
      }),
    );

    const acknowledged = new Map<string, string[]>(customers.map((customer) => [customer.id, []]));
    const outcomes = { ok: 0, coded: new Map<string, number>(), uncoded: [] as string[] };
    const record = (answer: GraphQLAnswer) => {
      if (!answer.errors) {
        outcomes.ok += 1;
        return;
      }
      for (const error of answer.errors) {
        const { code, reason } = error.extensions ?? {};
        if (!code || !reason || code === "INTERNAL") outcomes.uncoded.push(JSON.stringify(error));
        else outcomes.coded.set(code, (outcomes.coded.get(code) ?? 0) + 1);
      }
    };
    let running = true;
    const shopper = async (customer: (typeof customers)[number]) => {
      while (running) {
        record(
          await graphql(`
            {
              products(pagination: { take: 5 }) {
                id
                stock
              }
            }
          `),
        );
        const placed = await graphql<{ createOrder: { id: string } }>(
          `
            mutation ($order: OrderInput!) {
              createOrder(order: $order) {
                id
              }
            }
          `,
          { order: { accountId: customer.id, products: [{ id: productId, quantity: 1 }] } },
          customer.token,
        );
        record(placed);
        if (!placed.errors) acknowledged.get(customer.id)!.push(placed.data!.createOrder.id);
        record(
          await graphql(
            `
              {
                myOrders(pagination: { take: 1 }) {
                  id
                }
              }
            `,
            {},
            customer.token,
          ),
        );
      }
    };
    const shoppers = customers.map(shopper);
    await sleep(1_000);
    await postgres!.stop();
    postgres = undefined;
    await sleep(2_000);
    postgres = await startPostgres();
    await sleep(3_000);
    running = false;
    await Promise.all(shoppers);

    for (const [name, running] of Object.entries(system.processes)) {
      expect({ name, exitCode: running.child.exitCode, signal: running.child.signalCode }).toEqual({
        name,
        exitCode: null,
        signal: null,
      });
      expect(running.output(), name).not.toMatch(/uncaught|unhandled/i);
    }
    expect(outcomes.uncoded).toEqual([]);
    expect(outcomes.coded.get("UNAVAILABLE") ?? 0).toBeGreaterThan(0);
    expect([...outcomes.coded.keys()].filter((code) => code !== "UNAVAILABLE")).toEqual([]);

    // Everything works again, on fresh connections, without a restart of any process.
    const after = await Promise.all(
      customers.map((customer) =>
        graphql(
          `
            mutation ($order: OrderInput!) {
              createOrder(order: $order) {
                id
              }
            }
          `,
          { order: { accountId: customer.id, products: [{ id: productId, quantity: 1 }] } },
          customer.token,
        ),
      ),
    );
    for (const answer of after) expect(answer.errors).toBeUndefined();
    for (const customer of customers) {
      const orders = (await data<{ myOrders: Array<{ id: string }> }>(`{ myOrders { id } }`, {}, customer.token))
        .myOrders;
      expect(orders.map((order) => order.id)).toEqual(expect.arrayContaining(acknowledged.get(customer.id)!));
    }
    expect(outcomes.ok).toBeGreaterThan(0);

    // The relays kept going: every service's outbox drains (the orders' events among them).
    for (const service of ["account", "product", "order"]) {
      const database = await Database.open({ url: postgres.urlOf(service), poolSize: 1 });
      try {
        const unsent = async () =>
          (await database.query<{ n: number }>("SELECT count(*) AS n FROM event_outbox")).rows[0]!.n;
        const deadline = Date.now() + 20_000;
        while ((await unsent()) > 0 && Date.now() < deadline) await sleep(200);
        expect(await unsent(), service).toBe(0);
      } finally {
        await database.close();
      }
    }
  }, 120_000);
});
