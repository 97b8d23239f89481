import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  connectNats,
  EVENT_STREAMS,
  eventData,
  eventNameOf,
  type CloudEvent,
  type EventName,
} from "@polyscale/platform";
import { gatewayClients, readStream, startSmtpServer, type TestSmtpServer } from "@polyscale/tools/testing";
import { startNatsServer, type TestNatsServer } from "@polyscale/tools/nats-server";
import { startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";

/**
 * Every event of the catalogue, published through the real path: a GraphQL mutation through the gateway, the
 * service's transaction with its outbox row, the relay, a nats-server with JetStream that this test started.
 */

const ADMIN = { email: "admin@events.polyscale.test", password: "events-admin-password-1" };
const PASSWORD = "correct-horse-battery-9";
const PAYMENT_WINDOW_SECONDS = 30;

let nats: TestNatsServer;
let reader: NatsConnection;
/** Receives the password-reset email, whose link carries the token resetPassword takes. */
let smtp: TestSmtpServer;
let running: TestSystem;
let client: ReturnType<typeof gatewayClients>;

/** register's answer as these tests select it. */
interface Registered {
  register: { accessToken: string; refreshToken: string; account: { id: string } };
}

interface Received {
  subject: string;
  msgId: string | undefined;
  envelope: CloudEvent;
}

/** Every message of every event stream so far. */
async function allEvents(): Promise<Received[]> {
  const received: Received[] = [];
  for (const stream of Object.values(EVENT_STREAMS)) {
    for (const message of await readStream(reader, stream.name)) {
      received.push({
        subject: message.subject,
        msgId: message.headers?.get("Nats-Msg-Id"),
        envelope: message.envelope,
      });
    }
  }
  return received;
}

/** Waits until exactly one event of this name about this aggregate is in the streams, checks its envelope, and
 * returns its decoded payload. */
async function theEvent<N extends EventName>(name: N, aggregateId: string) {
  let found: Received[] = [];
  await vi.waitFor(
    async () => {
      found = (await allEvents()).filter(
        (event) => eventNameOf(event.envelope.type) === name && event.envelope.subject === aggregateId,
      );
      expect(found.length).toBeGreaterThan(0);
    },
    { timeout: 20_000, interval: 100 },
  );
  expect(found).toHaveLength(1);
  const [event] = found;
  const service = name === "payment.recorded" ? "order" : name.split(".")[0];
  expect(event!.subject).toBe(`polyscale.${name}`);
  expect(event!.msgId).toBe(event!.envelope.id);
  expect(event!.envelope).toMatchObject({
    specversion: "1.0",
    source: `/polyscale/${service}`,
    type: `polyscale.${name}`,
    subject: aggregateId,
    datacontenttype: "application/json",
  });
  expect(Date.now() - Date.parse(event!.envelope.time)).toBeLessThan(120_000);
  return eventData(name, event!.envelope);
}

beforeAll(async () => {
  nats = await startNatsServer();
  reader = await connectNats(nats.url, "events-e2e-reader");
  smtp = await startSmtpServer();
  running = await startTestSystem({
    env: {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      NATS_URL: nats.url,
      SMTP_URL: smtp.url,
      APP_URL: "https://shop.example",
      ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "1000",
      // Long enough for the orders this test pays, short enough to see one expire.
      ORDER_PAYMENT_TIMEOUT_SECONDS: String(PAYMENT_WINDOW_SECONDS),
      RECONCILE_INTERVAL_MS: "500",
    },
  });
  client = gatewayClients(running.system.gatewayUrl);
});

afterAll(async () => {
  await running?.stop();
  await reader?.close();
  await nats?.close();
  await smtp?.close();
});

describe("events after GraphQL mutations", () => {
  let adminToken: string;
  let customer: { id: string; token: string; refreshToken: string; email: string };

  beforeAll(async () => {
    const login = await client.ok<{ login: { accessToken: string } }>(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
      {
        e: ADMIN.email,
        p: ADMIN.password,
      },
    );
    adminToken = login.login.accessToken;
    const email = `ada-${Math.random().toString(36).slice(2, 8)}@events.test`;
    const registered = await client.ok<Registered>(
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken account { id } } }`,
      { input: { name: "Ada", email, password: PASSWORD } },
    );
    customer = {
      id: registered.register.account.id,
      token: registered.register.accessToken,
      refreshToken: registered.register.refreshToken,
      email,
    };
  });

  it("publishes account.registered, account.updated and account.sessions_revoked", async () => {
    expect(await theEvent("account.registered", customer.id)).toMatchObject({
      accountId: customer.id,
      name: "Ada",
      email: customer.email,
      role: "CUSTOMER",
    });
    await client.ok(`mutation { updateProfile(input: { name: "Ada L." }) { id } }`, {}, customer.token);
    expect(await theEvent("account.updated", customer.id)).toEqual({
      accountId: customer.id,
      name: "Ada L.",
      email: customer.email,
      role: "CUSTOMER",
    });
    await client.ok(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: customer.refreshToken });
    const revoked = await theEvent("account.sessions_revoked", customer.id);
    expect(revoked).toMatchObject({ accountId: customer.id, reason: "logout" });
    expect(revoked.familyId).not.toBe("");
    // The logout ended that session's access token too: later tests use a fresh session.
    const again = await client.ok<{ login: { accessToken: string } }>(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
      {
        e: customer.email,
        p: PASSWORD,
      },
    );
    customer.token = again.login.accessToken;
  });

  // Seen (issues 14/15): logoutAll, resetPassword, setAccountRole and setAccountDisabled ended sessions silently.
  it("regression: every way sessions end publishes exactly one account.sessions_revoked", async () => {
    const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }`;
    /** A fresh account with one session, so each way of ending sessions has its own aggregate. */
    async function signedUp(label: string) {
      const email = `${label}-${Math.random().toString(36).slice(2, 10)}@events.test`;
      const registered = await client.ok<Registered>(
        `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken account { id } } }`,
        { input: { name: label, email, password: PASSWORD } },
      );
      const { accessToken, refreshToken, account } = registered.register;
      return { id: account.id, token: accessToken, refreshToken, email };
    }
    const ends: Record<string, (user: Awaited<ReturnType<typeof signedUp>>) => Promise<unknown>> = {
      logout: (user) => client.ok(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: user.refreshToken }),
      logout_all: (user) => client.ok(`mutation { logoutAll }`, {}, user.token),
      password_changed: (user) =>
        client.ok(
          `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }`,
          { c: PASSWORD, n: "another-horse-battery-8" },
          user.token,
        ),
      password_reset: async (user) => {
        await client.ok(`mutation($e: String!) { requestPasswordReset(email: $e) }`, { e: user.email });
        let token: string | undefined;
        await vi.waitFor(
          () => {
            const mail = smtp.inbox.filter((raw) => raw.includes(`To: ${user.email}`)).join("\n");
            token = /reset-password\?token=(?:3D)?([A-Za-z0-9_-]{43})/.exec(mail.replace(/=\r?\n/g, ""))?.[1];
            expect(token).toBeDefined();
          },
          { timeout: 10_000, interval: 50 },
        );
        return client.ok(
          `mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { accessToken } }`,
          {
            t: token,
            p: "reset-horse-battery-7",
          },
        );
      },
      role_changed: (user) =>
        client.ok(
          `mutation($id: String!) { setAccountRole(id: $id, role: ADMIN) { id } }`,
          { id: user.id },
          adminToken,
        ),
      account_disabled: (user) =>
        client.ok(
          `mutation($id: String!) { setAccountDisabled(id: $id, disabled: true) { id } }`,
          { id: user.id },
          adminToken,
        ),
    };
    const users = new Map<string, string>();
    for (const [reason, end] of Object.entries(ends)) {
      const user = await signedUp(reason.replace("_", "-"));
      // Logging in again is not a revocation: nothing is published for it.
      await client.ok(LOGIN, { e: user.email, p: PASSWORD });
      await end(user);
      users.set(reason, user.id);
    }
    for (const [reason, accountId] of users) {
      const revoked = await theEvent("account.sessions_revoked", accountId);
      expect(revoked).toMatchObject({ accountId, reason });
      // logout names the one session family it ended; the others end every session of the account.
      if (reason === "logout") expect(revoked.familyId).not.toBe("");
      else expect(revoked.familyId).toBe("");
    }
    // The relay publishes each outbox in order, so a second event for an earlier account would be there by now.
    const counts = (await allEvents())
      .filter((event) => eventNameOf(event.envelope.type) === "account.sessions_revoked")
      .map((event) => event.envelope.subject);
    for (const accountId of users.values()) expect(counts.filter((id) => id === accountId)).toHaveLength(1);
  }, 120_000);

  // Seen in a trial with NATS: setAccountRole published no account.updated, and calls that changed nothing (the same
  // role, a second disable, the same name) published events anyway; the same role even revoked the user's sessions.
  it("regression: a role change publishes account.updated with the role, and a call that changes nothing publishes nothing", async () => {
    const signedUp = async (label: string) => {
      const registered = await client.ok<Registered>(
        `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken account { id } } }`,
        {
          input: {
            name: label,
            email: `${label}-${Math.random().toString(36).slice(2, 10)}@events.test`,
            password: PASSWORD,
          },
        },
      );
      return { id: registered.register.account.id, token: registered.register.accessToken };
    };
    const setRole = (id: string, role: string) =>
      client.ok(`mutation($id: String!) { setAccountRole(id: $id, role: ${role}) { id } }`, { id }, adminToken);
    const disable = (id: string) =>
      client.ok(`mutation($id: String!) { setAccountDisabled(id: $id, disabled: true) { id } }`, { id }, adminToken);

    const unchanged = await signedUp("unchanged");
    await setRole(unchanged.id, "CUSTOMER");
    await client.ok(`mutation { updateProfile(input: { name: "unchanged" }) { id } }`, {}, unchanged.token);
    const disabledTwice = await signedUp("disabled-twice");
    await disable(disabledTwice.id);
    await disable(disabledTwice.id);
    const promoted = await signedUp("promoted");
    await setRole(promoted.id, "ADMIN");

    expect(await theEvent("account.updated", promoted.id)).toEqual({
      accountId: promoted.id,
      name: "promoted",
      email: expect.stringMatching(/^promoted-/) as unknown,
      role: "ADMIN",
    });
    expect(await theEvent("account.sessions_revoked", promoted.id)).toMatchObject({ reason: "role_changed" });
    // The relay publishes the outbox in order: the earlier calls' events would be there by now.
    const namesOf = async (accountId: string) =>
      (await allEvents())
        .filter((event) => event.envelope.subject === accountId)
        .map((event) => eventNameOf(event.envelope.type));
    expect(await namesOf(unchanged.id)).toEqual(["account.registered"]);
    expect(await namesOf(disabledTwice.id)).toEqual(["account.registered", "account.sessions_revoked"]);
    expect(await theEvent("account.sessions_revoked", disabledTwice.id)).toMatchObject({ reason: "account_disabled" });
    // The same-role call kept the session.
    expect((await client.ok<{ me: { id: string } }>(`{ me { id } }`, {}, unchanged.token)).me).toEqual({
      id: unchanged.id,
    });
  }, 60_000);

  it("publishes product and order events, each once, after the matching mutations", async () => {
    const created = await client.ok<{ createProduct: { id: string } }>(
      `mutation($p: ProductInput!) { createProduct(product: $p) { id } }`,
      { p: { name: "Event lantern", description: "Bright", price: 12.5, stock: 10 } },
      adminToken,
    );
    const productId = created.createProduct.id;
    expect(await theEvent("product.created", productId)).toMatchObject({
      productId,
      name: "Event lantern",
      priceCents: 1250,
      stock: 10,
    });
    await client.ok(
      `mutation($id: String!) { updateProduct(id: $id, input: { price: 15 }) { id } }`,
      { id: productId },
      adminToken,
    );
    expect(await theEvent("product.updated", productId)).toMatchObject({ productId, priceCents: 1500, stock: 10 });
    await client.ok(
      `mutation($id: String!) { adjustStock(productId: $id, delta: 5) { stock } }`,
      { id: productId },
      adminToken,
    );
    expect(await theEvent("product.stock_changed", productId)).toMatchObject({
      productId,
      stock: 15,
      delta: 5,
      cause: "adjusted",
    });

    const place = async (quantity: number) =>
      (
        await client.ok<{ createOrder: { id: string; totalCents: number; currency: string } }>(
          `mutation($o: OrderInput!) { createOrder(order: $o) { id totalCents currency } }`,
          { o: { accountId: customer.id, products: [{ id: productId, quantity }] } },
          customer.token,
        )
      ).createOrder;
    const pay = (orderId: string, kind: "CAPTURE" | "REFUND", amountCents: number, reference: string) =>
      client.ok(
        `mutation($p: PaymentInput!) { recordPayment(input: $p) { status } }`,
        { p: { orderId, kind, amountCents, currency: "USD", provider: "acme", providerReference: reference } },
        adminToken,
      );

    const fulfilled = await place(2);
    expect(await theEvent("order.placed", fulfilled.id)).toMatchObject({
      orderId: fulfilled.id,
      accountId: customer.id,
      lines: [{ productId, name: "Event lantern", unitPriceCents: 1500, quantity: 2, lineTotalCents: 3000 }],
      totalCents: 3000,
      currency: "USD",
    });
    await pay(fulfilled.id, "CAPTURE", 3000, `cap-${fulfilled.id}`);
    expect(await theEvent("payment.recorded", fulfilled.id)).toMatchObject({
      orderId: fulfilled.id,
      kind: "CAPTURE",
      amountCents: 3000,
      currency: "USD",
      provider: "acme",
      providerReference: `cap-${fulfilled.id}`,
    });
    expect(await theEvent("order.paid", fulfilled.id)).toEqual({
      orderId: fulfilled.id,
      accountId: customer.id,
      fromStatus: "PENDING_PAYMENT",
      toStatus: "PAID",
      totalCents: 3000,
      currency: "USD",
    });
    await client.ok(`mutation($id: String!) { markFulfilled(id: $id) { status } }`, { id: fulfilled.id }, adminToken);
    expect(await theEvent("order.fulfilled", fulfilled.id)).toMatchObject({
      fromStatus: "PAID",
      toStatus: "FULFILLED",
    });

    const refunded = await place(1);
    await pay(refunded.id, "CAPTURE", 1500, `cap-${refunded.id}`);
    await pay(refunded.id, "REFUND", 1500, `ref-${refunded.id}`);
    expect(await theEvent("order.refunded", refunded.id)).toMatchObject({ fromStatus: "PAID", toStatus: "REFUNDED" });

    const cancelled = await place(3);
    await client.ok(`mutation($id: String!) { cancelOrder(id: $id) { status } }`, { id: cancelled.id }, customer.token);
    expect(await theEvent("order.cancelled", cancelled.id)).toMatchObject({
      fromStatus: "PENDING_PAYMENT",
      toStatus: "CANCELLED",
    });

    const expired = await place(1);
    // Nobody pays it: the sweep expires it once its window has passed.
    await new Promise((resolve) => setTimeout(resolve, PAYMENT_WINDOW_SECONDS * 1_000));
    expect(await theEvent("order.expired", expired.id)).toMatchObject({
      orderId: expired.id,
      fromStatus: "PENDING_PAYMENT",
      toStatus: "EXPIRED",
    });

    // Stock moved after the adjustment: four reservations and the releases of the cancelled and the expired order.
    await vi.waitFor(async () => {
      const moves = (await allEvents())
        .filter(
          (event) => event.envelope.type === "polyscale.product.stock_changed" && event.envelope.subject === productId,
        )
        .map((event) => eventData("product.stock_changed", event.envelope));
      expect(moves.map((move) => [move.cause, move.delta, move.stock, move.orderId])).toEqual([
        ["adjusted", 5, 15, ""],
        ["reserved", -2, 13, fulfilled.id],
        ["reserved", -1, 12, refunded.id],
        ["reserved", -3, 9, cancelled.id],
        ["released", 3, 12, cancelled.id],
        ["reserved", -1, 11, expired.id],
        ["released", 1, 12, expired.id],
      ]);
    });
  }, 180_000);
});
