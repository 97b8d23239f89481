import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectNats, EVENT_STREAMS, eventData } from "@polyscale/platform";
import { gatewayClients, readStream, type StreamedEvent } from "@polyscale/tools/testing";
import { startNatsServer, type TestNatsServer } from "@polyscale/tools/nats-server";
import { startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";
import type { RunningSystem } from "@polyscale/tools/system";

/**
 * Events lose nothing when things fail, tried on the real system: orders placed and cancelled through GraphQL while
 * the nats-server this test started is killed and restarted, and a service killed between its commit and the
 * publication of its event. The outbox backlog the services export on /metrics shows the outage while it lasts.
 */

const ADMIN = { email: "admin@outage.polyscale.test", password: "outage-admin-password-1" };
const INITIAL_STOCK = 10_000;

let system: RunningSystem;
let nats: TestNatsServer;
let reader: NatsConnection;
let running: TestSystem;
let client: ReturnType<typeof gatewayClients>;
let adminToken: string;
let customer: { id: string; token: string };
let productId: string;

async function createProduct(name: string, stock: number): Promise<string> {
  const created = await client.ok<{ createProduct: { id: string } }>(
    `mutation($p: ProductInput!) { createProduct(product: $p) { id } }`,
    { p: { name, description: "Survives", price: 3, stock } },
    adminToken,
  );
  return created.createProduct.id;
}

async function placeOrder(): Promise<string> {
  const data = await client.ok<{ createOrder: { id: string } }>(
    `mutation($o: OrderInput!) { createOrder(order: $o) { id } }`,
    { o: { accountId: customer.id, products: [{ id: productId, quantity: 1 }] } },
    customer.token,
  );
  return data.createOrder.id;
}

/** The outbox backlog a service exports: pending events and the age of the oldest, from its /metrics. */
async function backlog(service: "order" | "product"): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const text = await (await fetch(`http://127.0.0.1:${running.metricsPorts[service]}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
    if (!line) throw new Error(`${service} exports no ${name}`);
    return Number(line.slice(name.length + 1));
  };
  return {
    pending: value("polyscale_outbox_pending_events"),
    oldestAgeSeconds: value("polyscale_outbox_oldest_pending_age_seconds"),
  };
}

/** Every message of a service's stream once it holds at least `count`. */
async function streamOf(source: keyof typeof EVENT_STREAMS, count: number): Promise<StreamedEvent[]> {
  let events: StreamedEvent[] = [];
  await vi.waitFor(
    async () => {
      events = await readStream(reader, EVENT_STREAMS[source].name);
      expect(events.length).toBeGreaterThanOrEqual(count);
    },
    { timeout: 60_000, interval: 250 },
  );
  return events;
}

beforeAll(async () => {
  nats = await startNatsServer();
  reader = await connectNats(nats.url, "outage-e2e-reader");
  running = await startTestSystem({
    env: {
      LOG_LEVEL: "error",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      NATS_URL: nats.url,
      ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "1000",
      // One customer holds every unpaid order of this test.
      ORDER_MAX_UNPAID_PER_ACCOUNT: "10000",
      ORDER_MAX_HELD_UNITS_PER_PRODUCT: "1000000",
    },
  });
  system = running.system;
  client = gatewayClients(system.gatewayUrl);
  const login = await client.ok<{ login: { accessToken: string } }>(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
    {
      e: ADMIN.email,
      p: ADMIN.password,
    },
  );
  adminToken = login.login.accessToken;
  const registered = await client.ok<{ register: { accessToken: string; account: { id: string } } }>(
    `mutation($input: RegisterInput!) { register(input: $input) { accessToken account { id } } }`,
    { input: { name: "Otto", email: "otto@outage.test", password: "correct-horse-battery-9" } },
  );
  customer = { id: registered.register.account.id, token: registered.register.accessToken };
  productId = await createProduct("Outage lantern", INITIAL_STOCK);
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await reader?.close();
  await nats?.close();
});

describe("events through failures", () => {
  it("delivers every event once and in order per aggregate when the broker dies while 500 orders are placed", async () => {
    const ORDERS = 500;
    const orders: string[] = [];
    const during: Array<{ pending: number; oldestAgeSeconds: number }> = [];
    // Ten buyers at a time place and cancel; the broker dies after the first 100 orders and comes back after 300.
    for (let start = 0; start < ORDERS; start += 10) {
      if (start === 100) await nats.kill();
      if (start === 200 || start === 300) during.push(await backlog("order"));
      if (start === 300) await nats.restart();
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const orderId = await placeOrder();
          orders.push(orderId);
          await client.ok(
            `mutation($id: String!) { cancelOrder(id: $id) { status } }`,
            { id: orderId },
            customer.token,
          );
        }),
      );
    }

    // While the broker was down the backlog grew and its oldest event aged.
    expect(during[0]!.pending).toBeGreaterThan(0);
    expect(during[1]!.pending).toBeGreaterThan(during[0]!.pending);
    expect(during[1]!.oldestAgeSeconds).toBeGreaterThan(during[0]!.oldestAgeSeconds);

    const orderEvents = await streamOf("order", ORDERS * 2);
    const productEvents = (await streamOf("product", ORDERS * 2 + 1)).filter(
      (event) => event.envelope.subject === productId,
    );
    // None twice: exactly the events of the changes, each id once.
    expect(orderEvents).toHaveLength(ORDERS * 2);
    expect(productEvents).toHaveLength(ORDERS * 2 + 1);
    const ids = [...orderEvents, ...productEvents].map((event) => event.envelope.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const event of [...orderEvents, ...productEvents]) {
      expect(event.headers?.get("Nats-Msg-Id")).toBe(event.envelope.id);
    }

    // Per order: placed, then cancelled.
    const typesByOrder = new Map<string, string[]>();
    for (const event of orderEvents) {
      typesByOrder.set(event.envelope.subject, [...(typesByOrder.get(event.envelope.subject) ?? []), event.subject]);
    }
    expect(new Set(typesByOrder.keys())).toEqual(new Set(orders));
    for (const orderId of orders) {
      expect(typesByOrder.get(orderId), orderId).toEqual(["polyscale.order.placed", "polyscale.order.cancelled"]);
    }

    // Per product: created, then every stock move in commit order, so each one's stock follows from the last.
    expect(productEvents[0]!.subject).toBe("polyscale.product.created");
    let stock = INITIAL_STOCK;
    for (const event of productEvents.slice(1)) {
      const move = eventData("product.stock_changed", event.envelope);
      expect(move.stock, `after ${move.cause} of order ${move.orderId}`).toBe(stock + move.delta);
      stock = move.stock;
    }
    expect(stock).toBe(INITIAL_STOCK);

    // Drained: nothing pending any more.
    await vi.waitFor(async () => {
      expect(await backlog("order")).toEqual({ pending: 0, oldestAgeSeconds: 0 });
      expect(await backlog("product")).toEqual({ pending: 0, oldestAgeSeconds: 0 });
    });
  }, 300_000);

  it("publishes an event committed by a service that was killed before it could publish it", async () => {
    await nats.kill();
    const orderId = await placeOrder();
    // Committed and waiting in the outbox, since no broker can take it.
    await vi.waitFor(async () => expect((await backlog("order")).pending).toBeGreaterThan(0), { timeout: 10_000 });

    const order = system.processes.order!.child;
    const exited = new Promise((resolve) => order.once("exit", resolve));
    order.kill("SIGKILL");
    await exited;
    await nats.restart();
    await system.startService("order");

    await vi.waitFor(
      async () => {
        const placed = (await readStream(reader, EVENT_STREAMS.order.name)).filter(
          (event) => event.envelope.subject === orderId,
        );
        expect(placed.map((event) => event.subject)).toEqual(["polyscale.order.placed"]);
        expect(eventData("order.placed", placed[0]!.envelope)).toMatchObject({ orderId, accountId: customer.id });
      },
      { timeout: 30_000, interval: 250 },
    );
    // startService waited until the gateway's /readyz says its own channel reaches the order service: calls go through.
    await client.ok(`{ myOrders { id } }`, {}, customer.token);
  }, 120_000);

  it("publishes nothing for an order refused after part of its stock was taken in the rolled-back transaction", async () => {
    // UUIDv7 ids grow with time, and reservations lock in id order: the first product's stock is taken, then the
    // second product is short and the whole reservation rolls back.
    const plenty = await createProduct("Plenty", 5);
    const scarce = await createProduct("Scarce", 1);
    const refused = await client.graphql(
      `mutation($o: OrderInput!) { createOrder(order: $o) { id } }`,
      {
        o: {
          accountId: customer.id,
          products: [
            { id: plenty, quantity: 2 },
            { id: scarce, quantity: 2 },
          ],
        },
      },
      customer.token,
    );
    expect(refused.errors?.[0]?.extensions?.reason).toBe("INSUFFICIENT_STOCK");
    const accepted = await client.ok<{ createOrder: { id: string } }>(
      `mutation($o: OrderInput!) { createOrder(order: $o) { id } }`,
      { o: { accountId: customer.id, products: [{ id: plenty, quantity: 1 }] } },
      customer.token,
    );

    // Once the later, accepted order's events are out, the refused one's would have been too.
    let products: StreamedEvent[] = [];
    await vi.waitFor(
      async () => {
        products = (await readStream(reader, EVENT_STREAMS.product.name)).filter((event) =>
          [plenty, scarce].includes(event.envelope.subject),
        );
        expect(products.filter((event) => event.subject === "polyscale.product.stock_changed")).toHaveLength(1);
      },
      { timeout: 30_000, interval: 250 },
    );
    const moves = products.map((event) => [event.subject, event.envelope.subject]);
    expect(moves).toEqual([
      ["polyscale.product.created", plenty],
      ["polyscale.product.created", scarce],
      ["polyscale.product.stock_changed", plenty],
    ]);
    expect(eventData("product.stock_changed", products[2]!.envelope)).toMatchObject({
      stock: 4,
      delta: -1,
      orderId: accepted.createOrder.id,
    });
    const placed = (await readStream(reader, EVENT_STREAMS.order.name))
      .filter((event) => event.subject === "polyscale.order.placed")
      .map((event) => eventData("order.placed", event.envelope))
      .filter((order) => order.lines.some((line) => [plenty, scarce].includes(line.productId)));
    expect(placed.map((order) => order.orderId)).toEqual([accepted.createOrder.id]);
  }, 120_000);
});
