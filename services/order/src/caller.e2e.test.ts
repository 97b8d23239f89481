import { Role } from "@polyscale/account";
import { newId } from "@polyscale/platform";
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { TEST_ADMIN } from "@polyscale/tools/test-shop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrderClient, ListOrdersRequest, OrderStatus, PaymentKind, type OrderClient } from "./client.js";
import { createTestProduct, startTestServices, type TestServices } from "./test-dependencies.js";

/**
 * Defence in depth: each service itself refuses to act for another account than the one the forwarded access token
 * names, or to let a customer do an admin's work, whatever the caller (normally the gateway) put in the request; a
 * forged or expired token is refused by the service. Called over gRPC directly, the three services as processes.
 */

let services: TestServices;
let orders: OrderClient;
/** The account service's signing key (JWT_PRIVATE_KEY), so the test can sign an expired but otherwise valid token. */
const signingKey = generateKeyPairSync("ed25519").privateKey;

beforeAll(async () => {
  const pem = signingKey.export({ format: "pem", type: "pkcs8" }).toString();
  services = await startTestServices({ backend: "postgres", order: { env: { JWT_PRIVATE_KEY: pem } } });
  orders = createOrderClient({ address: services.addresses.order!, deadlineMs: 10_000 });
});

afterAll(async () => {
  orders?.close();
  await services?.close();
});

async function customer(): Promise<{ accountId: string; accessToken: string }> {
  const { session } = await services.accounts.register({
    name: "Customer",
    email: `caller-${newId()}@example.com`,
    password: "correct-horse-battery-9",
  });
  return { accountId: session!.account!.id, accessToken: session!.accessToken };
}

async function admin(): Promise<string> {
  const { session } = await services.accounts.login(TEST_ADMIN);
  return session!.accessToken;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The token with its claims changed and its signature kept, as a customer would try to make themselves admin. */
function tampered(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const original = JSON.parse(Buffer.from(payload!, "base64url").toString()) as object;
  return `${header}.${base64url({ ...original, ...claims })}.${signature}`;
}

/** An EdDSA JWT signed with the service's own key (kid = RFC 7638 thumbprint) whose lifetime ended a minute ago. */
function expiredToken(key: KeyObject, accountId: string): string {
  const { crv, kty, x } = createPublicKey(key).export({ format: "jwk" });
  const kid = createHash("sha256").update(JSON.stringify({ crv, kty, x })).digest("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${base64url({ alg: "EdDSA", typ: "JWT", kid })}.${base64url({
    sub: accountId,
    role: "customer",
    sid: newId(),
    gen: 0,
    iss: "polyscale-account",
    aud: "polyscale",
    iat: now - 960,
    exp: now - 60,
  })}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

describe("order service checks the forwarded end-user identity", () => {
  it("refuses to place, read or cancel an order for another account, and lets the owner and an admin", async () => {
    const [alice, mallory] = [await customer(), await customer()];
    const productId = await createTestProduct(services.products, { priceCents: 700, stock: 10 });
    const place = (accountId: string, accessToken: string) =>
      orders.placeOrder({ accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" }, { accessToken });

    // Mallory's token with Alice's account id, as a gateway bug would send it.
    await expect(place(alice.accountId, mallory.accessToken)).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      reason: "NOT_OWNER",
    });
    const { order } = await place(alice.accountId, alice.accessToken);
    expect(order).toMatchObject({ accountId: alice.accountId, status: OrderStatus.ORDER_STATUS_PENDING_PAYMENT });

    // Another customer's order is NOT_FOUND with the message an unknown id gets, so ids cannot be probed (OWASP API1).
    const unknownId = newId();
    const asMallory = { accessToken: mallory.accessToken };
    for (const call of [
      (id: string) => orders.getOrder({ id }, asMallory),
      (id: string) => orders.cancelOrder({ id }, asMallory),
    ]) {
      const unknown = await call(unknownId).catch((error: unknown) => error);
      expect(unknown).toMatchObject({ code: "NOT_FOUND", reason: "ORDER_NOT_FOUND", field: "id" });
      await expect(call(order!.id)).rejects.toMatchObject({
        code: "NOT_FOUND",
        reason: "ORDER_NOT_FOUND",
        field: "id",
        message: (unknown as Error).message.replaceAll(unknownId, order!.id),
      });
    }
    for (const call of [
      () => orders.getCart({ accountId: alice.accountId }, { accessToken: mallory.accessToken }),
      () => orders.listOrders(ListOrdersRequest.fromPartial({ take: 10 }), { accessToken: mallory.accessToken }),
      () =>
        orders.listOrdersForAccounts(
          { accountIds: [mallory.accountId, alice.accountId] },
          { accessToken: mallory.accessToken },
        ),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "PERMISSION_DENIED", reason: "NOT_OWNER" });
    }
    expect((await orders.getOrder({ id: order!.id }, { accessToken: alice.accessToken })).order!.status).toBe(
      OrderStatus.ORDER_STATUS_PENDING_PAYMENT,
    );

    const adminToken = await admin();
    expect((await orders.getOrder({ id: order!.id }, { accessToken: adminToken })).order!.id).toBe(order!.id);
    await expect(orders.markFulfilled({ id: order!.id }, { accessToken: alice.accessToken })).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      reason: "ADMIN_REQUIRED",
    });
    // Seen (issue 16 re-check): a customer's token recorded a payment for their own order at the order service; only
    // an admin (or an internal call, the gateway's signed webhook) may.
    const capture = {
      orderId: order!.id,
      kind: PaymentKind.PAYMENT_KIND_CAPTURE,
      amountCents: 700,
      currency: "USD",
      provider: "test",
      providerReference: `self-paid-${order!.id}`,
    };
    await expect(orders.recordPayment(capture, { accessToken: alice.accessToken })).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      reason: "ADMIN_REQUIRED",
    });
    expect((await orders.getOrder({ id: order!.id }, { accessToken: adminToken })).order!.status).toBe(
      OrderStatus.ORDER_STATUS_PENDING_PAYMENT,
    );
    const cancelled = await orders.cancelOrder({ id: order!.id }, { accessToken: alice.accessToken });
    expect(cancelled.order!.status).toBe(OrderStatus.ORDER_STATUS_CANCELLED);
  });

  // Seen (issue 12 review): an empty x-polyscale-access-token counted as an internal call and was answered.
  it("regression: an empty token header is refused, not taken for an internal call", async () => {
    const alice = await customer();
    const refused = { code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" };
    await expect(orders.getCart({ accountId: alice.accountId }, { accessToken: "" })).rejects.toMatchObject(refused);
    await expect(services.accounts.getAccount({ id: alice.accountId }, { accessToken: "" })).rejects.toMatchObject(
      refused,
    );
    // Without the header at all the call is an internal one.
    expect((await services.accounts.getAccount({ id: alice.accountId })).account!.id).toBe(alice.accountId);
  });

  it("refuses a forwarded token that does not verify", async () => {
    const alice = await customer();
    const forged = alice.accessToken.slice(0, -4) + (alice.accessToken.endsWith("AAAA") ? "BBBB" : "AAAA");
    await expect(orders.getCart({ accountId: alice.accountId }, { accessToken: forged })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});

describe("account service checks the forwarded end-user identity", () => {
  it("lets a customer read and change only their own account, and only an admin set roles or list accounts", async () => {
    const [alice, mallory] = [await customer(), await customer()];
    const as = (token: string) => ({ accessToken: token });
    const notOwner = { code: "PERMISSION_DENIED", reason: "NOT_OWNER" };
    const adminRequired = { code: "PERMISSION_DENIED", reason: "ADMIN_REQUIRED" };

    await expect(services.accounts.getAccount({ id: alice.accountId }, as(mallory.accessToken))).rejects.toMatchObject(
      notOwner,
    );
    await expect(
      services.accounts.getAccounts({ ids: [mallory.accountId, alice.accountId] }, as(mallory.accessToken)),
    ).rejects.toMatchObject(notOwner);
    await expect(
      services.accounts.updateProfile({ accountId: alice.accountId, name: "Owned" }, as(mallory.accessToken)),
    ).rejects.toMatchObject(notOwner);
    await expect(
      services.accounts.changePassword(
        { accountId: alice.accountId, currentPassword: "x", newPassword: "mallory-chose-this" },
        as(mallory.accessToken),
      ),
    ).rejects.toMatchObject(notOwner);
    await expect(
      services.accounts.logoutAll({ accountId: alice.accountId }, as(mallory.accessToken)),
    ).rejects.toMatchObject(notOwner);
    await expect(
      services.accounts.setRole({ accountId: mallory.accountId, role: Role.ROLE_ADMIN }, as(mallory.accessToken)),
    ).rejects.toMatchObject(adminRequired);
    await expect(
      services.accounts.setDisabled({ accountId: alice.accountId, disabled: true }, as(mallory.accessToken)),
    ).rejects.toMatchObject(adminRequired);
    await expect(
      services.accounts.createAccount(
        {
          name: "Sneaky",
          email: `sneaky-${newId()}@example.com`,
          password: "sneaky-password-1",
          role: Role.ROLE_ADMIN,
        },
        as(mallory.accessToken),
      ),
    ).rejects.toMatchObject(adminRequired);
    await expect(
      services.accounts.listAccounts({ skip: 0, take: 10, email: "" }, as(mallory.accessToken)),
    ).rejects.toMatchObject(adminRequired);

    // Nothing was changed by any of it.
    const unchanged = await services.accounts.getAccount({ id: alice.accountId }, as(alice.accessToken));
    expect(unchanged.account).toMatchObject({ name: "Customer", role: Role.ROLE_CUSTOMER, disabled: false });
    expect((await services.accounts.getAccount({ id: mallory.accountId })).account!.role).toBe(Role.ROLE_CUSTOMER);
    // An admin may.
    const promoted = await services.accounts.setRole(
      { accountId: mallory.accountId, role: Role.ROLE_ADMIN },
      as(await admin()),
    );
    expect(promoted.account!.role).toBe(Role.ROLE_ADMIN);
  });

  it("refuses a forged or expired token itself, and changes nothing", async () => {
    const mallory = await customer();
    const forged = tampered(mallory.accessToken, { role: "admin" });
    await expect(
      services.accounts.setRole({ accountId: mallory.accountId, role: Role.ROLE_ADMIN }, { accessToken: forged }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
    const expired = expiredToken(signingKey, mallory.accountId);
    // The same key and claims signed now would pass: only the lifetime is at fault.
    await expect(
      services.accounts.getAccount({ id: mallory.accountId }, { accessToken: expired }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
    await expect(orders.getCart({ accountId: mallory.accountId }, { accessToken: expired })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "TOKEN_EXPIRED",
    });
    expect((await services.accounts.getAccount({ id: mallory.accountId })).account!.role).toBe(Role.ROLE_CUSTOMER);
  });
});

describe("product service checks the forwarded end-user identity", () => {
  it("lets only an admin change the catalogue or see the stock report; forged and expired tokens are refused", async () => {
    const mallory = await customer();
    const productId = await createTestProduct(services.products, { priceCents: 500, stock: 5 });
    const attempts = (accessToken: string) => [
      () =>
        services.products.createProduct(
          { name: "Fake", description: "", priceCents: 1, currency: "USD", categoryId: "", stock: 1 },
          { accessToken },
        ),
      () => services.products.adjustStock({ productId, delta: 1000 }, { accessToken }),
      () => services.products.createCategory({ name: "Fake", slug: "", parentId: "" }, { accessToken }),
      () => services.products.listStockLevels({ productIds: [productId], take: 0 }, { accessToken }),
    ];
    for (const attempt of attempts(mallory.accessToken))
      await expect(attempt()).rejects.toMatchObject({ code: "PERMISSION_DENIED", reason: "ADMIN_REQUIRED" });
    for (const attempt of attempts(tampered(mallory.accessToken, { role: "admin" })))
      await expect(attempt()).rejects.toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
    for (const attempt of attempts(expiredToken(signingKey, mallory.accountId)))
      await expect(attempt()).rejects.toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
    expect((await services.products.getProduct({ id: productId })).product!.stock).toBe(5);

    const adjusted = await services.products.adjustStock({ productId, delta: 2 }, { accessToken: await admin() });
    expect(adjusted.product!.stock).toBe(7);
    // A customer's own checkout still reads products with their token.
    const { products } = await services.products.getProducts(
      { ids: [productId] },
      { accessToken: mallory.accessToken },
    );
    expect(products.map((product) => product.id)).toEqual([productId]);
  });
});
