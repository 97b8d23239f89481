import { describe, expect, it } from "vitest";
import { newId } from "@polyscale/platform";
import { signatureOf } from "./rest/webhooks.js";
import {
  CREATE_ORDER,
  CREATE_PRODUCT,
  WEBHOOK_SECRET,
  createProduct,
  type CreatedProduct,
  type PlacedOrder,
  downstreamCalls,
  failure,
  graphql,
  ok,
  PASSWORD,
  placeOrder,
  register,
  rest,
  unique,
  useGatewayShop,
} from "./test-gateway-e2e.js";

/** The gateway end to end: the catalogue and orders through GraphQL: products, orders, idempotency, batching, ownership, currencies, stock. */

const shop = useGatewayShop();

describe("gateway end to end: orders", () => {
  it("finds a new product at once by query and by id, with the price converted both ways", async () => {
    expect(shop.lantern).toMatchObject({ price: 19.99, priceCents: 1999, currency: "USD", stock: 50, inStock: true });
    const byQuery = await ok<{ products: Array<{ id: string; name: string; price: number }> }>(
      `query($q: String) { products(query: $q) { id name price } }`,
      { q: "Zephyrlantern" },
    );
    expect(byQuery.products).toContainEqual({ id: shop.lantern.id, name: shop.lantern.name, price: 19.99 });
    const byId = await ok<{ products: Array<{ id: string; priceCents: number }> }>(
      `query($id: String) { products(id: $id, query: "nothing matches this") { id priceCents } }`,
      { id: shop.lantern.id },
    );
    expect(byId.products).toEqual([{ id: shop.lantern.id, priceCents: 1999 }]);
    expect(
      (
        await ok<{ product: { price: number } | null }>(`query($id: String!) { product(id: $id) { price } }`, {
          id: shop.lantern.id,
        })
      ).product,
    ).toEqual({ price: 19.99 });
    const search = await ok<{ searchProducts: { items: Array<{ id: string }> } }>(
      `{ searchProducts(query: "Zephyrlantern", filter: { minPrice: 19.99, maxPrice: 20 }) {
           totalCount totalCountIsExact items { id } } }`,
    );
    expect(search.searchProducts.items).toContainEqual({ id: shop.lantern.id });
    expect(search.searchProducts).toMatchObject({ totalCount: 1, totalCountIsExact: true });
    expect(await failure(`{ searchProducts(filter: { minPrice: 5, maxPrice: 1 }) { totalCount } }`)).toEqual({
      code: "BAD_USER_INPUT",
      field: "maxPrice",
    });
    expect((await rest("GET", `/product/${shop.lantern.id}`)).body).toMatchObject({
      priceCents: 1999,
      currency: "USD",
    });
    // REST price bounds are minor units of `currency` (DEFAULT_CURRENCY when absent): 1999 yen is no $19.99 shop.lantern.
    const inCurrency = async (currency: string) =>
      (
        await rest<{ items: Array<{ id: string }> }>(
          "GET",
          `/products?q=Zephyrlantern&minPrice=1999&maxPrice=1999${currency}`,
        )
      ).body;
    for (const given of ["", "&currency=USD"]) {
      expect((await inCurrency(given)).items.map((item) => item.id)).toContain(shop.lantern.id);
    }
    expect((await inCurrency("&currency=JPY")).items).toEqual([]);
    expect((await rest("GET", "/products?currency=XYZ")).body).toMatchObject({
      error: { code: "BAD_USER_INPUT", field: "currency" },
    });
  });

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

  it("prices in the currency's minor unit: a ¥1000 product is 1000 JPY and a provider capture of 1000 JPY pays it", async () => {
    // Seen: a ¥1000 product stored as 100000 minor units, so a capture of 1000 JPY left the order unpaid.
    const name = `Matcha ${unique()}`;
    const created = await ok<{ createProduct: CreatedProduct }>(
      CREATE_PRODUCT,
      { product: { name, description: "tea", price: 1000, currency: "JPY", stock: 5 } },
      shop.adminToken,
    );
    expect(created.createProduct).toMatchObject({ price: 1000, priceCents: 1000, currency: "JPY" });
    const refused = await graphql(
      CREATE_PRODUCT,
      { product: { name, description: "tea", price: 1000.5, currency: "JPY", stock: 5 } },
      shop.adminToken,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "price" });
    const bhd = await ok<{ createProduct: CreatedProduct }>(
      CREATE_PRODUCT,
      { product: { name: `Dates ${unique()}`, description: "dates", price: 1.234, currency: "BHD", stock: 5 } },
      shop.adminToken,
    );
    expect(bhd.createProduct).toMatchObject({ price: 1.234, priceCents: 1234, currency: "BHD" });

    const order = await placeOrder(shop.bob.token, shop.bob.id, created.createProduct.id, 1);
    expect(order).toMatchObject({ totalCents: 1000, totalPrice: 1000, currency: "JPY" });
    const event = JSON.stringify({
      orderId: order.id,
      kind: "capture",
      amountCents: 1000,
      currency: "JPY",
      provider: "acme-pay",
      providerReference: `ch_${unique()}`,
    });
    const paid = await rest("POST", "/webhooks/payments", {
      body: event,
      headers: { "x-polyscale-signature": signatureOf(WEBHOOK_SECRET, event) },
    });
    expect(paid).toMatchObject({ status: 200, body: { id: order.id, status: "PAID" } });
  });

  it("shows admins stock on hand, available, held and sold per product, and customers nothing", async () => {
    // Seen: an operator had no way to see that unpaid orders held a product's stock.
    const product = await createProduct(shop.adminToken, `Stocktake ${unique()}`, 5, 10);
    const holder = await register("Holder");
    await placeOrder(holder.token, holder.id, product.id, 3);
    const paid = await placeOrder(holder.token, holder.id, product.id, 2);
    const recordPayment = `mutation($input: PaymentInput!) { recordPayment(input: $input) { status } }`;
    const payment = { orderId: paid.id, kind: "CAPTURE", amountCents: 1000, currency: "USD", provider: "manual" };
    await ok(recordPayment, { input: { ...payment, providerReference: unique() } }, shop.adminToken);

    const query = `query($ids: [String!]) { stockLevels(productIds: $ids) { productId product { name } onHand available held sold } }`;
    type StockLevels = {
      stockLevels: Array<{
        productId: string;
        product: { name: string };
        onHand: number;
        available: number;
        held: number;
        sold: number;
      }>;
    };
    expect((await ok<StockLevels>(query, { ids: [product.id] }, shop.adminToken)).stockLevels).toEqual([
      { productId: product.id, product: { name: product.name }, onHand: 8, available: 5, held: 3, sold: 2 },
    ]);
    expect((await failure(query, { ids: [product.id] }, holder.token)).code).toBe("FORBIDDEN");
    expect(await rest("GET", `/admin/stock?productIds=${product.id}`, { token: shop.adminToken })).toMatchObject({
      status: 200,
      body: [{ productId: product.id, onHand: 8, available: 5, held: 3, sold: 2 }],
    });
    expect((await rest("GET", "/admin/stock", { token: holder.token })).status).toBe(403);
    expect((await rest("GET", "/admin/stock?productIds=nope", { token: shop.adminToken })).body).toMatchObject({
      error: { code: "BAD_USER_INPUT", field: "productIds" },
    });
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

  it("race: a login with X-Cart-Token while 20 adds from that token run: each unit lands once, or is refused", async () => {
    const customer = await register("Guest");
    const productId = shop.lantern.id;
    const first = await rest<{ cartToken: string }>("POST", "/cart/items", { body: { productId, quantity: 1 } });
    const headers = { "x-cart-token": first.body.cartToken };
    const adds = Array.from({ length: 20 }, () =>
      rest<{ error?: { reason: string } }>("POST", "/cart/items", { body: { productId, quantity: 1 }, headers }),
    );
    const login = rest<{ cart?: { lines: Array<{ quantity: number }> } }>("POST", "/login", {
      body: { email: customer.email, password: PASSWORD },
      headers,
    });
    const answers = await Promise.all(adds);
    expect((await login).status).toBe(200);
    const landed = answers.filter((answer) => answer.status === 200).length;
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect(answer).toMatchObject({ status: 404, body: { error: { reason: "CART_NOT_FOUND" } } });
    }
    // The guest cart's first unit and every add answered with success, in the account's cart; the token is dead.
    const cart = await rest<{ lines: Array<{ quantity: number }> }>("GET", "/cart", { token: customer.token });
    expect(cart.body.lines.map((line) => line.quantity)).toEqual([1 + landed]);
    expect(await rest("GET", "/cart", { headers })).toMatchObject({ status: 404 });
  });

  it("race: 10 mergeGuestCart of one token (GraphQL and REST) with 20 guest and 10 account adds: units counted once", async () => {
    const customer = await register("Merger");
    const productId = shop.lantern.id;
    await rest("POST", "/cart/items", { token: customer.token, body: { productId, quantity: 2 } });
    const first = await rest<{ cartToken: string }>("POST", "/cart/items", { body: { productId, quantity: 1 } });
    const headers = { "x-cart-token": first.body.cartToken };
    const add = (options: { token?: string; headers?: Record<string, string> }) =>
      rest<{ error?: { reason: string } }>("POST", "/cart/items", { ...options, body: { productId, quantity: 1 } });
    const guestAdds = Array.from({ length: 20 }, () => add({ headers }));
    const accountAdds = Array.from({ length: 10 }, () => add({ token: customer.token }));
    // Each merge as { status, reason }: REST's status, or GraphQL's error reason (200 when it answered the cart).
    const merges = Array.from({ length: 10 }, async (_, index) => {
      if (index % 2 === 0) {
        const answer = await rest<{ error?: { reason: string } }>("POST", "/cart/merge", {
          token: customer.token,
          headers,
        });
        return { status: answer.status, reason: answer.body.error?.reason };
      }
      const answer = await graphql(
        `
          mutation {
            mergeGuestCart {
              totalCents
            }
          }
        `,
        {},
        customer.token,
        headers,
      );
      const reason = answer.errors?.[0]?.extensions?.reason;
      return { status: reason === undefined ? 200 : 404, reason };
    });
    const [guestAnswers, accountAnswers, mergeAnswers] = await Promise.all([
      Promise.all(guestAdds),
      Promise.all(accountAdds),
      Promise.all(merges),
    ]);
    expect(mergeAnswers.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of mergeAnswers.filter((candidate) => candidate.status !== 200)) {
      expect(answer).toEqual({ status: 404, reason: "CART_NOT_FOUND" });
    }
    expect(accountAnswers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const landed = guestAnswers.filter((answer) => answer.status === 200).length;
    for (const answer of guestAnswers.filter((candidate) => candidate.status !== 200)) {
      expect(answer).toMatchObject({ status: 404, body: { error: { reason: "CART_NOT_FOUND" } } });
    }
    // The account's 2 and 10, the guest cart's first unit and every guest add answered with success: each once.
    const cart = await rest<{ lines: Array<{ quantity: number }> }>("GET", "/cart", { token: customer.token });
    expect(cart.body.lines.map((line) => line.quantity)).toEqual([2 + 10 + 1 + landed]);
    expect(await rest("GET", "/cart", { headers })).toMatchObject({ status: 404 });
  });
});
