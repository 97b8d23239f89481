import { describe, expect, it } from "vitest";
import { newId } from "@polyscale/platform";
import {
  CREATE_ORDER,
  type PlacedOrder,
  downstreamCalls,
  failure,
  graphql,
  ok,
  placeOrder,
  register,
  rest,
  unique,
  useGatewayShop,
} from "./test-gateway-e2e.js";

/** The gateway end to end: orders through GraphQL and REST: placing, idempotency, batching, ownership, paging. */

const shop = useGatewayShop();

describe("gateway end to end: orders", () => {
  it("returns a placed order with its products filled in", async () => {
    const order = await placeOrder(shop.alice.token, shop.alice.id, shop.lantern.id, 2);
    expect(order).toMatchObject({
      accountId: shop.alice.id,
      status: "PENDING_PAYMENT",
      totalPrice: 39.98,
      totalCents: 3998,
      currency: "USD",
      products: [
        {
          id: shop.lantern.id,
          name: shop.lantern.name,
          description: `${shop.lantern.name} for tests`,
          price: 19.99,
          priceCents: 1999,
          quantity: 2,
        },
      ],
    });
    expect(
      await failure(
        CREATE_ORDER,
        { order: { accountId: shop.alice.id, products: [{ id: shop.lantern.id, quantity: 0 }] } },
        shop.alice.token,
      ),
    ).toEqual({ code: "BAD_USER_INPUT", field: "quantity" });
    expect(
      (
        await failure(
          CREATE_ORDER,
          { order: { accountId: shop.bob.id, products: [{ id: shop.lantern.id, quantity: 1 }] } },
          shop.alice.token,
        )
      ).code,
    ).toBe("FORBIDDEN");
    expect(
      (
        await failure(CREATE_ORDER, {
          order: { accountId: shop.alice.id, products: [{ id: shop.lantern.id, quantity: 1 }] },
        })
      ).code,
    ).toBe("UNAUTHENTICATED");
  });

  it("answers a retried createOrder with the same idempotency key with the same order", async () => {
    const variables = {
      order: { accountId: shop.alice.id, products: [{ id: shop.lantern.id, quantity: 1 }] },
      key: `key-${unique()}`,
    };
    const first = (await ok<{ createOrder: PlacedOrder }>(CREATE_ORDER, variables, shop.alice.token)).createOrder;
    const second = (await ok<{ createOrder: PlacedOrder }>(CREATE_ORDER, variables, shop.alice.token)).createOrder;
    expect(second.id).toBe(first.id);
  });

  it("loads Account.orders for many accounts with one call to the order service", async () => {
    const extra = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        rest("POST", "/account", { token: shop.adminToken, body: { name: `Batch ${index} ${unique()}` } }),
      ),
    );
    expect(extra.map((response) => response.status)).toEqual(extra.map(() => 201));
    const result = await graphql<{ accounts: Array<{ id: string; orders: Array<{ products: unknown[] }> }> }>(
      `
        {
          accounts(pagination: { take: 100 }) {
            id
            orders {
              id
              totalCents
              products {
                id
              }
            }
          }
        }
      `,
      {},
      shop.adminToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.accounts.length).toBeGreaterThanOrEqual(15);
    expect(downstreamCalls(result.headers)).toEqual({ account: 1, product: 0, order: 1 });
    const aliceEntry = result.data!.accounts.find((account) => account.id === shop.alice.id);
    expect(aliceEntry?.orders.length).toBeGreaterThanOrEqual(1);
    expect(aliceEntry?.orders.every((order) => order.products.length > 0)).toBe(true);
  });

  it("keeps carts and orders to their owners, with admins reading everything", async () => {
    // Without a login, the cart is a guest cart (README, "Guest carts"): none yet is an empty one, not an account's.
    expect(
      await ok<{ cart: { accountId: string; lines: unknown[] } }>(`{ cart { accountId lines { name } } }`),
    ).toEqual({
      cart: { accountId: "", lines: [] },
    });
    expect((await failure(`mutation { checkout { id } }`)).code).toBe("UNAUTHENTICATED");
    expect((await failure(`{ myOrders { id } }`)).code).toBe("UNAUTHENTICATED");

    const cart = await ok<{
      addToCart: {
        accountId: string;
        totalCents: number;
        total: number;
        lines: Array<{ productId: string; quantity: number; unitPrice: number; product: { name: string } }>;
      };
    }>(
      `mutation($p: String!) { addToCart(productId: $p, quantity: 3) { accountId totalCents total lines { productId quantity unitPrice product { name } } } }`,
      { p: shop.lantern.id },
      shop.alice.token,
    );
    expect(cart.addToCart).toMatchObject({
      accountId: shop.alice.id,
      totalCents: 5997,
      total: 59.97,
      lines: [{ productId: shop.lantern.id, quantity: 3, unitPrice: 19.99, product: { name: shop.lantern.name } }],
    });
    expect(
      (
        await ok<{ cart: { accountId: string; lines: Array<{ productId: string }> } }>(
          `{ cart { accountId lines { productId } } }`,
          {},
          shop.bob.token,
        )
      ).cart,
    ).toEqual({
      accountId: shop.bob.id,
      lines: [],
    });

    const placed = (
      await ok<{ checkout: { id: string } }>(
        `mutation { checkout { id accountId totalCents products { quantity } } }`,
        {},
        shop.alice.token,
      )
    ).checkout;
    expect(placed).toMatchObject({ accountId: shop.alice.id, totalCents: 5997, products: [{ quantity: 3 }] });
    expect(
      (await ok<{ cart: { lines: unknown[] } }>(`{ cart { lines { productId } } }`, {}, shop.alice.token)).cart.lines,
    ).toEqual([]);

    const orderQuery = `query($id: String!) { order(id: $id) { id accountId } }`;
    type OrderAnswer = { order: { id: string; accountId: string } | null };
    expect((await ok<OrderAnswer>(orderQuery, { id: placed.id }, shop.alice.token)).order).toEqual({
      id: placed.id,
      accountId: shop.alice.id,
    });
    expect((await ok<OrderAnswer>(orderQuery, { id: placed.id }, shop.adminToken)).order).toEqual({
      id: placed.id,
      accountId: shop.alice.id,
    });
    // Another customer's order reads as an unknown one (null; cancelling it: the same NOT_FOUND), so ids cannot be
    // probed (OWASP API1).
    const unknownId = newId();
    expect((await ok<OrderAnswer>(orderQuery, { id: placed.id }, shop.bob.token)).order).toBeNull();
    expect((await failure(orderQuery, { id: placed.id })).code).toBe("UNAUTHENTICATED");
    expect((await ok<OrderAnswer>(orderQuery, { id: unknownId }, shop.adminToken)).order).toBeNull();
    const cancel = `mutation($id: String!) { cancelOrder(id: $id) { id } }`;
    const unknownCancel = await graphql(cancel, { id: unknownId }, shop.bob.token);
    expect(unknownCancel.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", reason: "ORDER_NOT_FOUND" });
    // As JSON: the answers are compared as a client reads them.
    expect(JSON.stringify(await graphql(cancel, { id: placed.id }, shop.bob.token))).toBe(
      JSON.stringify(unknownCancel).replaceAll(unknownId, placed.id),
    );

    const mine = (
      await ok<{ myOrders: Array<{ id: string; accountId: string }> }>(
        `{ myOrders { id accountId } }`,
        {},
        shop.alice.token,
      )
    ).myOrders;
    expect(mine.map((order) => order.id)).toContain(placed.id);
    expect(mine.every((order) => order.accountId === shop.alice.id)).toBe(true);
    expect((await ok<{ myOrders: Array<{ id: string }> }>(`{ myOrders { id } }`, {}, shop.bob.token)).myOrders).toEqual(
      [],
    );

    expect((await failure(`{ orders { id } }`, {}, shop.alice.token)).code).toBe("FORBIDDEN");
    const all = (
      await ok<{ orders: Array<{ id: string }> }>(
        `query($a: String) { orders(accountId: $a) { id } }`,
        { a: shop.alice.id },
        shop.adminToken,
      )
    ).orders;
    expect(all.map((order) => order.id)).toContain(placed.id);

    const payment = {
      orderId: placed.id,
      kind: "CAPTURE",
      amountCents: 5997,
      currency: "USD",
      provider: "manual",
      providerReference: unique(),
    };
    const recordPayment = `mutation($input: PaymentInput!) { recordPayment(input: $input) { status } }`;
    expect((await failure(recordPayment, { input: payment }, shop.alice.token)).code).toBe("FORBIDDEN");
    expect(
      (
        await failure(
          `mutation($id: String!) { markFulfilled(id: $id) { status } }`,
          { id: placed.id },
          shop.alice.token,
        )
      ).code,
    ).toBe("FORBIDDEN");
    expect(
      (await ok<{ recordPayment: { status: string } }>(recordPayment, { input: payment }, shop.adminToken))
        .recordPayment,
    ).toEqual({ status: "PAID" });
    expect(
      (
        await ok<{ markFulfilled: { status: string } }>(
          `mutation($id: String!) { markFulfilled(id: $id) { status } }`,
          { id: placed.id },
          shop.adminToken,
        )
      ).markFulfilled,
    ).toEqual({ status: "FULFILLED" });
  });

  it("pages orders newest first with a total, filtered by status and time, for the customer and, by email, the admin", async () => {
    const carol = await register("Carol");
    const placed = [];
    for (let i = 0; i < 3; i += 1) placed.push(await placeOrder(carol.token, carol.id, shop.lantern.id, 1));
    await ok(`mutation($id: String!) { cancelOrder(id: $id) { status } }`, { id: placed[0]!.id }, carol.token);
    const myPage = `query($filter: OrderFilter, $pagination: PaginationInput) {
      myOrderPage(filter: $filter, pagination: $pagination) { totalCount totalCountIsExact items { id status } } }`;
    type Page = { totalCount: number; totalCountIsExact: boolean; items: Array<{ id: string; status: string }> };
    const mine = async (variables: Record<string, unknown>) =>
      (await ok<{ myOrderPage: Page }>(myPage, variables, carol.token)).myOrderPage;
    expect(await mine({ pagination: { take: 1 } })).toEqual({
      totalCount: 3,
      totalCountIsExact: true,
      items: [{ id: placed[2]!.id, status: "PENDING_PAYMENT" }],
    });
    expect(await mine({ filter: { statuses: ["CANCELLED"] } })).toMatchObject({
      totalCount: 1,
      items: [{ id: placed[0]!.id }],
    });
    const before = placed[0]!.createdAt;
    expect(await mine({ filter: { createdTo: before } })).toMatchObject({ totalCount: 0, items: [] });
    expect(await mine({ filter: { createdFrom: before, statuses: ["PENDING_PAYMENT"] } })).toMatchObject({
      totalCount: 2,
    });
    // The Go-compatible list keeps working beside the page.
    expect(
      (await ok<{ myOrders: Array<{ id: string }> }>(`{ myOrders { id } }`, {}, carol.token)).myOrders,
    ).toHaveLength(3);

    const adminPage = `query($accountId: String, $email: String, $filter: OrderFilter) {
      orderPage(accountId: $accountId, email: $email, filter: $filter) { totalCount items { id accountId } } }`;
    type AdminPage = { totalCount: number; items: Array<{ id: string; accountId: string }> };
    const byEmail = await ok<{ orderPage: AdminPage }>(
      adminPage,
      { email: carol.email.toUpperCase(), filter: { statuses: ["PENDING_PAYMENT"] } },
      shop.adminToken,
    );
    expect(byEmail.orderPage).toEqual({
      totalCount: 2,
      items: [placed[2], placed[1]].map((order) => ({ id: order!.id, accountId: carol.id })),
    });
    expect(
      (await ok<{ orderPage: AdminPage }>(adminPage, { email: `nobody-${unique()}@e2e.test` }, shop.adminToken))
        .orderPage,
    ).toEqual({
      totalCount: 0,
      items: [],
    });
    expect(
      (await ok<{ orderPage: AdminPage }>(adminPage, { email: carol.email, accountId: shop.alice.id }, shop.adminToken))
        .orderPage,
    ).toEqual({
      totalCount: 0,
      items: [],
    });
    // A customer may page their own account's orders, never another's, by email or everybody's.
    expect(
      (await ok<{ orderPage: AdminPage }>(adminPage, { accountId: carol.id }, carol.token)).orderPage,
    ).toMatchObject({ totalCount: 3 });
    for (const variables of [{ accountId: shop.alice.id }, { email: carol.email }, {}]) {
      expect((await failure(adminPage, variables, carol.token)).code).toBe("FORBIDDEN");
    }
    expect(
      await failure(
        adminPage,
        { filter: { createdFrom: "2031-01-02T00:00:00Z", createdTo: "2031-01-01T00:00:00Z" } },
        shop.adminToken,
      ),
    ).toEqual({ code: "BAD_USER_INPUT", field: "createdFrom" });
    expect(await failure(adminPage, { email: "not an email" }, shop.adminToken)).toEqual({
      code: "BAD_USER_INPUT",
      field: "email",
    });

    // REST: the same filters in the query string.
    const restMine = await rest("GET", "/me/orders?status=PENDING_PAYMENT&take=1", { token: carol.token });
    expect(restMine).toMatchObject({ status: 200, body: [{ id: placed[2]!.id, status: "PENDING_PAYMENT" }] });
    expect(
      await rest("GET", `/orders?accountId=${carol.id}&status=PENDING_PAYMENT&take=1`, { token: carol.token }),
    ).toMatchObject({
      status: 200,
      body: { totalCount: 2, totalCountIsExact: true, items: [{ id: placed[2]!.id, status: "PENDING_PAYMENT" }] },
    });
    const restAdmin = await rest(
      "GET",
      `/orders?email=${encodeURIComponent(carol.email)}&status=CANCELLED,PAID&createdFrom=${before}`,
      { token: shop.adminToken },
    );
    expect(restAdmin).toMatchObject({ status: 200, body: { totalCount: 1, items: [{ id: placed[0]!.id }] } });
    expect((await rest("GET", "/orders", { token: carol.token })).status).toBe(403);
    expect((await rest("GET", `/orders?email=${encodeURIComponent(carol.email)}`, { token: carol.token })).status).toBe(
      403,
    );
    expect((await rest("GET", "/me/orders")).status).toBe(401);
    for (const [query, field] of [
      ["status=SHIPPED", "status"],
      ["createdFrom=yesterday", "createdFrom"],
      ["createdTo=2024-02-30T00:00:00Z", "createdTo"],
      ["createdFrom=2031-01-02T00:00:00Z&createdTo=2031-01-01T00:00:00Z", "createdFrom"],
      ["take=-1", "take"],
    ]) {
      expect((await rest("GET", `/me/orders?${query}`, { token: carol.token })).body).toMatchObject({
        error: { code: "BAD_USER_INPUT", field },
      });
    }
  });
});
