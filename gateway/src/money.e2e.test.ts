import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currencyExponent, LIMITS } from "@polyscale/platform";
import type { TestSystem } from "@polyscale/tools/test-shop";
import { PaymentKind } from "@polyscale/order";
import { signatureOf, SIGNATURE_HEADER } from "./rest/webhooks.js";
import type { Services } from "./services.js";
import {
  databaseDigest,
  type EdgeSystem,
  startEdgeSystem,
  expectCodedGraphQLErrors,
  expectCodedRestError,
  settledDigest,
} from "./test-edges.js";
import { dataOf, type gatewayClients } from "@polyscale/tools/testing";

/**
 * Money of any size and currency through every API of the running system: the largest values the shop's limits allow,
 * in JPY (no minor unit), USD (two) and BHD (three), read back exactly through GraphQL, REST and gRPC, in products,
 * carts, orders, their lists and payments; anything beyond a limit refused before it is written.
 */

let edges: EdgeSystem | undefined;
let shop: TestSystem;
let client: ReturnType<typeof gatewayClients>;
let grpc: Services;
let adminToken: string;

const WEBHOOK_SECRET = "money-webhook-secret";
const unique = () => Math.random().toString(36).slice(2, 10);

async function register(): Promise<{ id: string; token: string }> {
  const data = dataOf(
    await client.graphql<{ register: { accessToken: string; account: { id: string } } }>(
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken account { id } } }`,
      { input: { name: "Big Spender", email: `big-${unique()}@money.test`, password: "correct-horse-battery-9" } },
    ),
  );
  return { id: data.register.account.id, token: data.register.accessToken };
}

const PRODUCT_FIELDS = "id price priceCents currency stock";
const ORDER_FIELDS = `id totalPrice totalCents currency status
  products { id price priceCents quantity }
  payments { amount amountCents currency }`;

/** A product as PRODUCT_FIELDS selects it. */
interface Product {
  id: string;
  price: number;
  priceCents: number;
  currency: string;
  stock: number;
}

/** An order as ORDER_FIELDS selects it (only what the tests read). */
interface Order {
  id: string;
  totalPrice: number;
  totalCents: number;
  currency: string;
  status: string;
}

async function createProduct(product: Record<string, unknown>): Promise<Product> {
  const answer = await client.graphql<{ createProduct: Product }>(
    `mutation($product: ProductInput!) { createProduct(product: $product) { ${PRODUCT_FIELDS} } }`,
    { product: { name: `Yacht ${unique()}`, description: "Large", ...product } },
    adminToken,
  );
  return dataOf(answer).createProduct;
}

beforeAll(async () => {
  edges = await startEdgeSystem({
    // Orders of 1,000 units of a product and many unpaid orders: the hold limits have tests of their own.
    ORDER_MAX_HELD_UNITS_PER_PRODUCT: "1000000",
    ORDER_MAX_UNPAID_PER_ACCOUNT: "1000",
    ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "1000",
    PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  ({ shop, client, grpc, adminToken } = edges);
});

afterAll(async () => {
  await edges?.stop();
});

describe("money at its limits, end to end", () => {
  // Seen: createOrder for 2 × 11,000,000.00 answered "Int cannot represent non 32-bit signed integer" after the
  // order was stored; from then on myOrders, the admin's order lists and the catalogue answered no data.
  it("regression: an order of 2 × a product priced 11,000,000.00 is answered and reads back through every list", async () => {
    const customer = await register();
    const product = await createProduct({ price: 11_000_000, currency: "USD", stock: 10 });
    expect(product).toMatchObject({ price: 11_000_000, priceCents: 1_100_000_000 });
    const placed = dataOf(
      await client.graphql<{ createOrder: Order }>(
        `mutation($order: OrderInput!) { createOrder(order: $order) { ${ORDER_FIELDS} } }`,
        { order: { accountId: customer.id, products: [{ id: product.id, quantity: 2 }] } },
        customer.token,
      ),
    ).createOrder;
    expect(placed).toMatchObject({ totalCents: 2_200_000_000, totalPrice: 22_000_000, currency: "USD" });

    const mine = dataOf(
      await client.graphql<{ myOrders: Order[] }>(`{ myOrders { ${ORDER_FIELDS} } }`, {}, customer.token),
    ).myOrders;
    expect(mine).toEqual([placed]);
    const byAccount = dataOf(
      await client.graphql<{ orders: Order[] }>(
        `query($a: String) { orders(accountId: $a) { ${ORDER_FIELDS} } }`,
        { a: customer.id },
        adminToken,
      ),
    ).orders;
    expect(byAccount).toEqual([placed]);
    const everyOrder = dataOf(
      await client.graphql<{ orders: Array<{ id: string; totalCents: number }> }>(
        `{ orders { id totalCents } }`,
        {},
        adminToken,
      ),
    ).orders;
    expect(everyOrder).toContainEqual({ id: placed.id, totalCents: 2_200_000_000 });
    const accounts = dataOf(
      await client.graphql<{ accounts: Array<{ orders: Array<{ id: string; totalCents: number }> }> }>(
        `query($id: String) { accounts(id: $id) { orders { id totalCents } } }`,
        { id: customer.id },
        adminToken,
      ),
    ).accounts;
    expect(accounts[0]!.orders).toEqual([{ id: placed.id, totalCents: 2_200_000_000 }]);
    const catalogue = dataOf(
      await client.graphql<{ products: Array<{ id: string; priceCents: number }> }>(`{ products { id priceCents } }`),
    ).products;
    expect(catalogue).toContainEqual({ id: product.id, priceCents: 1_100_000_000 });
    expect((await client.rest<Order[]>("GET", `/orders/${customer.id}`, { token: adminToken })).body[0]).toMatchObject({
      id: placed.id,
      totalCents: 2_200_000_000,
    });
  });

  it.each(["JPY", "USD", "BHD"])(
    "carries the largest accepted price, line, cart, order total and payment in %s exactly through GraphQL, REST and gRPC",
    async (currency) => {
      const exponent = currencyExponent(currency);
      const largestPrice = LIMITS.priceMinor / 10 ** exponent;
      const customer = await register();
      // As many products as an order may hold, each at the largest price with the largest stock.
      const products = await Promise.all(
        Array.from({ length: LIMITS.orderProducts }, () =>
          createProduct({ price: largestPrice, currency, stock: LIMITS.stock }),
        ),
      );
      expect(products[0]).toMatchObject({
        price: largestPrice,
        priceCents: LIMITS.priceMinor,
        currency,
        stock: LIMITS.stock,
      });
      const viaRest = await client.rest<Product>("GET", `/product/${products[0]!.id}`);
      expect(viaRest.body).toMatchObject({ priceCents: LIMITS.priceMinor, currency, stock: LIMITS.stock });
      const viaGrpc = await grpc.product.getProduct({ id: products[0]!.id });
      expect(viaGrpc.product).toMatchObject({ priceCents: LIMITS.priceMinor, currency, stock: LIMITS.stock });

      // The fullest cart: every product at the largest line quantity.
      for (const product of products) {
        dataOf(
          await client.graphql(
            `mutation($p: String!, $q: Int!) { addToCart(productId: $p, quantity: $q) { currency } }`,
            { p: product.id, q: LIMITS.lineQuantity },
            customer.token,
          ),
        );
      }
      const cart = dataOf(
        await client.graphql<{ cart: { lines: Array<{ unitPriceCents: number; lineTotalCents: number }> } }>(
          `{ cart { total totalCents currency lines { unitPriceCents lineTotalCents } } }`,
          {},
          customer.token,
        ),
      ).cart;
      expect(cart).toMatchObject({
        totalCents: LIMITS.totalMinor,
        total: LIMITS.totalMinor / 10 ** exponent,
        currency,
      });
      expect(cart.lines[0]).toEqual({
        unitPriceCents: LIMITS.priceMinor,
        lineTotalCents: LIMITS.priceMinor * LIMITS.lineQuantity,
      });
      expect(
        (await grpc.order.getCart({ accountId: customer.id }, { accessToken: customer.token })).cart?.totalCents,
      ).toBe(LIMITS.totalMinor);

      const order = dataOf(
        await client.graphql<{ checkout: Order }>(`mutation { checkout { ${ORDER_FIELDS} } }`, {}, customer.token),
      ).checkout;
      expect(order).toMatchObject({
        totalCents: LIMITS.totalMinor,
        totalPrice: LIMITS.totalMinor / 10 ** exponent,
        currency,
      });

      // The capture of the whole total comes in through a different edge for each currency.
      const payment = {
        orderId: order.id,
        amountCents: LIMITS.totalMinor,
        currency,
        provider: "manual",
        providerReference: unique(),
      };
      if (currency === "JPY") {
        const input = { ...payment, kind: "CAPTURE" };
        dataOf(
          await client.graphql(
            `mutation($input: PaymentInput!) { recordPayment(input: $input) { id } }`,
            { input },
            adminToken,
          ),
        );
      } else if (currency === "USD") {
        const event = JSON.stringify({ ...payment, kind: "capture" });
        const answer = await client.rest<unknown>("POST", "/webhooks/payments", {
          body: event,
          headers: { [SIGNATURE_HEADER]: signatureOf(WEBHOOK_SECRET, event) },
        });
        expect(answer.body).toMatchObject({ status: "PAID", payments: [{ amountCents: LIMITS.totalMinor }] });
      } else {
        await grpc.order.recordPayment(
          { ...payment, kind: PaymentKind.PAYMENT_KIND_CAPTURE },
          { accessToken: adminToken },
        );
      }
      const paid = dataOf(
        await client.graphql<{ order: Order }>(
          `query($id: String!) { order(id: $id) { ${ORDER_FIELDS} } }`,
          { id: order.id },
          adminToken,
        ),
      ).order;
      expect(paid).toMatchObject({ status: "PAID", payments: [{ amountCents: LIMITS.totalMinor, currency }] });

      const restOrder = (await client.rest<unknown>("GET", `/order/${order.id}`, { token: customer.token })).body;
      expect(restOrder).toMatchObject({
        totalCents: LIMITS.totalMinor,
        payments: [{ amountCents: LIMITS.totalMinor }],
      });
      const grpcOrder = (await grpc.order.getOrder({ id: order.id }, { accessToken: customer.token })).order;
      expect(grpcOrder).toMatchObject({
        totalCents: LIMITS.totalMinor,
        payments: [{ amountCents: LIMITS.totalMinor }],
      });
      expect(
        dataOf(await client.graphql<{ myOrders: Order[] }>(`{ myOrders { ${ORDER_FIELDS} } }`, {}, customer.token))
          .myOrders,
      ).toEqual([paid]);
      const listed = dataOf(
        await client.graphql<{ orders: Order[] }>(
          `query($a: String) { orders(accountId: $a) { ${ORDER_FIELDS} } }`,
          { a: customer.id },
          adminToken,
        ),
      ).orders;
      expect(listed).toEqual([paid]);

      const search = dataOf(
        await client.graphql<{ searchProducts: { items: Array<{ priceCents: number; price: number }> } }>(
          `query($f: ProductFilter) { searchProducts(filter: $f, pagination: { take: 100 }) {
            totalCount items { priceCents price } facets { priceBuckets { min max count } } } }`,
          { f: { minPrice: largestPrice, maxPrice: largestPrice, currency } },
        ),
      ).searchProducts;
      expect(search.items.length).toBeGreaterThanOrEqual(LIMITS.orderProducts);
      expect(search.items[0]).toEqual({ priceCents: LIMITS.priceMinor, price: largestPrice });
      const levels = dataOf(
        await client.graphql<{ stockLevels: Array<{ onHand: number; available: number; held: number; sold: number }> }>(
          `query($ids: [String!]) { stockLevels(productIds: $ids) { onHand available held sold } }`,
          {
            ids: [products[0]!.id],
          },
          adminToken,
        ),
      ).stockLevels;
      // The paid order's units move from held to sold when its reservation is committed, inline or by the reconciler.
      const [level] = levels;
      expect(level!.available).toBe(LIMITS.stock - LIMITS.lineQuantity);
      expect(level!.held + level!.sold).toBe(LIMITS.lineQuantity);
      expect(level!.onHand).toBe(level!.available + level!.held);
    },
  );

  it("refuses a price, stock, quantity or payment beyond its limit at every edge, naming the field, writing nothing", async () => {
    const customer = await register();
    const product = await createProduct({ price: 1, currency: "USD", stock: 5 });
    const before = await settledDigest(shop.databaseUrls);

    const overPrice = await client.graphql(
      `mutation($product: ProductInput!) { createProduct(product: $product) { id } }`,
      { product: { name: "Too dear", description: "", price: 100_000_000.01, currency: "USD" } },
      adminToken,
    );
    expect(expectCodedGraphQLErrors(overPrice)[0]!.extensions).toEqual({
      code: "BAD_USER_INPUT",
      reason: "LIMIT_EXCEEDED",
      field: "price",
    });
    const overStock = await client.graphql(
      `mutation($product: ProductInput!) { createProduct(product: $product) { id } }`,
      { product: { name: "Too many", description: "", price: 1, stock: LIMITS.stock + 1 } },
      adminToken,
    );
    expect(expectCodedGraphQLErrors(overStock)[0]!.extensions).toMatchObject({
      reason: "LIMIT_EXCEEDED",
      field: "stock",
    });
    const overAdjust = await client.graphql(
      `mutation($p: String!, $d: SafeInt!) { adjustStock(productId: $p, delta: $d) { stock } }`,
      { p: product.id, d: LIMITS.stock },
      adminToken,
    );
    expect(expectCodedGraphQLErrors(overAdjust)[0]!.extensions).toMatchObject({
      reason: "LIMIT_EXCEEDED",
      field: "delta",
    });
    const overQuantity = await client.graphql(
      `mutation($p: String!) { addToCart(productId: $p, quantity: 1001) { totalCents } }`,
      { p: product.id },
      customer.token,
    );
    expect(expectCodedGraphQLErrors(overQuantity)[0]!.extensions).toMatchObject({
      reason: "LIMIT_EXCEEDED",
      field: "quantity",
    });
    const unsafe = await client.graphql(
      `mutation($input: PaymentInput!) { recordPayment(input: $input) { id } }`,
      {
        input: {
          orderId: product.id,
          kind: "CAPTURE",
          amountCents: 2 ** 53,
          currency: "USD",
          provider: "manual",
          providerReference: unique(),
        },
      },
      adminToken,
    );
    expect(expectCodedGraphQLErrors(unsafe)[0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "amountCents",
    });

    const restPrice = await client.rest("POST", "/product", {
      token: adminToken,
      body: { name: "Too dear", description: "", priceCents: LIMITS.priceMinor + 1 },
    });
    expect(expectCodedRestError(restPrice)).toMatchObject({ reason: "LIMIT_EXCEEDED", field: "priceCents" });
    await expect(
      grpc.product.createProduct({
        name: "Too dear",
        description: "",
        priceCents: LIMITS.priceMinor + 1,
        currency: "JPY",
        categoryId: "",
        stock: 0,
      }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", reason: "LIMIT_EXCEEDED", field: "priceCents" });

    // gRPC int64 is read as a JavaScript number (ts-proto forceLong=number): a value past 2^53 on the wire cannot be
    // read exactly, so the server refuses the message rather than round it.
    await expect(
      grpc.product.createProduct({
        name: "Unreadable",
        description: "",
        priceCents: 2 ** 62,
        currency: "USD",
        categoryId: "",
        stock: 0,
      }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "request" });

    // Seen: quantity=2147483648 and skip=2147483648 answered 500; negative, fractional and NaN numbers likewise.
    for (const quantity of [2_147_483_648, -1, 1.5, "NaN", 1e300]) {
      const answer = await client.rest("POST", "/order", {
        token: customer.token,
        body: { accountId: customer.id, lines: [{ productId: product.id, quantity }] },
      });
      expect(expectCodedRestError(answer)).toMatchObject({ code: "BAD_USER_INPUT", field: "quantity" });
    }
    for (const [parameter, value] of [
      ["skip", "2147483648"],
      ["skip", "-1"],
      ["take", "1.5"],
      ["take", "NaN"],
      ["minPrice", "9007199254740993"],
      ["maxPrice", "-5"],
      ["skip", "99999999999999999999999"],
    ]) {
      const answer = await client.rest("GET", `/products?${parameter}=${value}`);
      expect(expectCodedRestError(answer), `${parameter}=${value}`).toMatchObject({
        code: "BAD_USER_INPUT",
        field: parameter,
      });
    }
    expect(await databaseDigest(shop.databaseUrls)).toEqual(before);
  });

  // Seen by the edge suite: an empty cart has no currency, and its decimal total answered INTERNAL.
  it("regression: an empty cart answers a total of 0 without a currency", async () => {
    const customer = await register();
    const cart = dataOf(
      await client.graphql<{ cart: unknown }>(
        `{ cart { total totalCents currency lines { quantity } } }`,
        {},
        customer.token,
      ),
    );
    expect(cart.cart).toEqual({ total: 0, totalCents: 0, currency: "", lines: [] });
  });
});
