import { describe, expect, it } from "vitest";
import { signatureOf } from "./rest/webhooks.js";
import { WEBHOOK_SECRET, graphql, placeOrder, rest, unique, useGatewayShop } from "./test-gateway-e2e.js";

/**
 * The gateway end to end: how REST reads what a client sends (new-user check of issue 17): the fields a body may
 * have, the names its errors give, and the idempotency key given twice. Each refusal is coded and writes nothing.
 */

const shop = useGatewayShop();

const refusal = (field: string) => ({
  status: 400,
  body: { error: { code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field } },
});

/** A capture of the whole of `order`, as the provider signs it (with `extra` fields), for POST /webhooks/payments. */
function signedCapture(order: { id: string; totalCents: number; currency: string }, extra: object = {}) {
  const body = JSON.stringify({
    orderId: order.id,
    kind: "capture",
    amountCents: order.totalCents,
    currency: order.currency,
    provider: "acme-pay",
    providerReference: `ch_${unique()}`,
    ...extra,
  });
  return { body, headers: { "x-polyscale-signature": signatureOf(WEBHOOK_SECRET, body) } };
}

describe("gateway end to end: REST input", () => {
  // Seen: POST /checkout with Idempotency-Key: other and {"idempotencyKey":"nu17-checkout-1"} used the body's key.
  it("regression: refuses an Idempotency-Key header and a different body idempotencyKey, placing nothing", async () => {
    const customer = { token: shop.alice.token };
    const add = () => rest("POST", "/cart/items", { ...customer, body: { productId: shop.lantern.id } });
    const orders = async () => (await rest<unknown[]>("GET", "/me/orders", customer)).body.length;
    expect((await add()).status).toBe(200);
    const before = await orders();
    const key = `rest-input-${unique()}`;
    expect(
      await rest("POST", "/checkout", {
        ...customer,
        headers: { "idempotency-key": "other" },
        body: { idempotencyKey: key },
      }),
    ).toMatchObject(refusal("idempotencyKey"));
    expect(
      await rest("POST", "/order", {
        ...customer,
        headers: { "idempotency-key": "other" },
        body: { accountId: shop.alice.id, lines: [{ productId: shop.lantern.id, quantity: 1 }], idempotencyKey: key },
      }),
    ).toMatchObject(refusal("idempotencyKey"));
    expect(await orders()).toBe(before);
    expect((await rest<{ lines: unknown[] }>("GET", "/cart", customer)).body.lines).toHaveLength(1);

    // The same key in both is one key.
    const placed = await rest<{ id: string }>("POST", "/checkout", {
      ...customer,
      headers: { "idempotency-key": key },
      body: { idempotencyKey: key },
    });
    expect(placed.status).toBe(201);
    expect(await orders()).toBe(before + 1);
  });

  // Seen: POST /cart/items {"productId":P,"qty":5} answered 200 and added 1 unit: a typo changed the order.
  it("regression: refuses a body field its schema does not have, by its path, on every kind of body, writing nothing", async () => {
    const customer = { token: shop.bob.token };
    await rest("DELETE", "/cart", customer);
    expect(
      await rest("POST", "/cart/items", { ...customer, body: { productId: shop.lantern.id, qty: 5 } }),
    ).toMatchObject(refusal("qty"));
    expect((await rest<{ lines: unknown[] }>("GET", "/cart", customer)).body.lines).toEqual([]);
    // An inline body (the session routes'), a nested array item, a nested object.
    expect(
      await rest("POST", "/login", { body: { email: shop.bob.email, password: "x", rememberMe: true } }),
    ).toMatchObject(refusal("rememberMe"));
    const product = { name: `Typo ${unique()}`, description: "d", priceCents: 100 };
    expect(
      await rest("POST", "/product", {
        token: shop.adminToken,
        body: { ...product, variants: [{ priceCents: 100 }, { priceCents: 100, colour: "red" }] },
      }),
    ).toMatchObject(refusal("variants[1].colour"));
    expect(
      (await rest<{ totalCount: number }>("GET", `/products?q=${encodeURIComponent(product.name)}`)).body.totalCount,
    ).toBe(0);
    expect(
      await rest("POST", "/checkout", { ...customer, body: { shippingAddress: { name: "B", zip: "12345" } } }),
    ).toMatchObject(refusal("shippingAddress.zip"));

    // The payment webhook's body too, once its signature is checked; the order stays unpaid.
    const order = await placeOrder(shop.bob.token, shop.bob.id, shop.lantern.id, 1);
    expect(await rest("POST", "/webhooks/payments", signedCapture(order, { amount: 1 }))).toMatchObject(
      refusal("amount"),
    );
    expect((await rest("GET", `/order/${order.id}`, customer)).body).toMatchObject({ status: "PENDING_PAYMENT" });
  });

  // Seen: GET /products?colour=red answered every product (the parameter is option=colour=red), GET
  // /me/orders?staus=PAID every order: a query parameter the operation does not declare was ignored.
  it("regression: refuses a query parameter the operation does not declare, naming it, on every route, doing nothing", async () => {
    const customer = { token: shop.bob.token };
    const colour = await rest<{ error: { message: string } }>("GET", "/products?colour=red");
    expect(colour).toMatchObject(refusal("colour"));
    expect(colour.body.error.message).toMatch(/^colour: is not a parameter here; the parameters are skip, take, q, /);
    expect(colour.body.error.message).toContain("option");
    expect(await rest("GET", "/me/orders?staus=PAID", customer)).toMatchObject(refusal("staus"));
    // Declared ones, repeated where the route reads repeats, still answer.
    expect((await rest("GET", "/me/orders?status=PAID&status=CANCELLED&take=1", customer)).status).toBe(200);
    expect((await rest("GET", "/products?option=colour=red&option=size=M")).status).toBe(200);

    // A write is refused before it is done: the cart stays empty.
    await rest("DELETE", "/cart", customer);
    const add = await rest<{ error: { message: string } }>("POST", "/cart/items?quantity=5", {
      ...customer,
      body: { productId: shop.lantern.id },
    });
    expect(add).toMatchObject(refusal("quantity"));
    expect(add.body.error.message).toBe("quantity: is not a parameter here; there are none");
    expect((await rest<{ lines: unknown[] }>("GET", "/cart", customer)).body.lines).toEqual([]);

    // The payment webhook declares no query parameter either: a signed event under one records nothing.
    const order = await placeOrder(shop.bob.token, shop.bob.id, shop.lantern.id, 1);
    expect(await rest("POST", "/webhooks/payments?test=1", signedCapture(order))).toMatchObject(refusal("test"));
    expect((await rest("GET", `/order/${order.id}`, customer)).body).toMatchObject({ status: "PENDING_PAYMENT" });
  });

  // Seen: a variant missing priceCents in POST /product named `priceCents` (the product's own field); POST
  // /product/{id}/variants named stock over its limit `variant.stock`; options without their index; ?q= too long
  // named `query` and ?option=colour= `options[0].values[0]`: GraphQL's and the contract's names, not REST's.
  it("regression: names each refused field by where the REST client wrote it: nested paths with indices, parameters", async () => {
    const admin = { token: shop.adminToken };
    const product = { name: `Paths ${unique()}`, description: "d", priceCents: 0 };
    const variant = (fields: object) => ({ sku: `P-${unique()}`, priceCents: 100, ...fields });
    const create = (body: object) => rest("POST", "/product", { ...admin, body: { ...product, ...body } });
    expect(await create({ variants: [variant({}), { sku: `P-${unique()}` }] })).toMatchObject(
      refusal("variants[1].priceCents"),
    );
    expect(await create({ variants: [variant({ options: "red" })] })).toMatchObject(refusal("variants[0].options"));
    expect(
      await create({ variants: [variant({ options: [{ name: "Size", value: "M" }, { name: "Colour" }] })] }),
    ).toMatchObject(refusal("variants[0].options[1].value"));
    expect(await create({ variants: [variant({ stock: 1.5 })] })).toMatchObject(refusal("variants[0].stock"));
    expect(await create({ attributes: [{ name: "Brand", value: 5 }] })).toMatchObject(refusal("attributes[0].value"));

    // POST /product/{id}/variants: the body is the variant, so its fields are named as the body's, at every check.
    const adds = `/product/${shop.lantern.id}/variants`;
    for (const stock of [-1, 10 ** 12]) {
      const answer = await rest<{ error: { field: string; message: string } }>("POST", adds, {
        ...admin,
        body: variant({ stock }),
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.field).toBe("stock");
      expect(answer.body.error.message).toMatch(/^stock: /);
    }
    expect(await rest("POST", adds, { ...admin, body: variant({ options: [{ value: "M" }] }) })).toMatchObject(
      refusal("options[0].name"),
    );

    // GET /products: the query parameter, not the contract's field.
    const search = (query: string) => rest<{ error: { message: string } }>("GET", `/products?${query}`);
    const longQuery = await search(`q=${"a".repeat(201)}`);
    expect(longQuery).toMatchObject(refusal("q"));
    expect(longQuery.body.error.message).toMatch(/^q: /);
    expect((await search("option=colour=")).body).toMatchObject({ error: { field: "option" } });
  });

  // Seen: delta 1e20 was "must be between -9007199254740991 and …" through REST and "must be a whole number" through
  // GraphQL; take 1e20 "must be between 0 and 2147483647" and "must be a whole number".
  it("regression: a number far beyond its field's range gets one answer through REST and GraphQL", async () => {
    const errorOf = async (answer: Promise<{ body: unknown }>) => {
      const { code, reason, field, message } = ((await answer).body as { error: Record<string, string> }).error;
      return { code, reason, field, message };
    };
    const graphQLErrorOf = async (query: string, token?: string) => {
      const error = (await graphql(query, {}, token)).errors![0]!;
      const { code, reason, field } = error.extensions as Record<string, string>;
      return { code, reason, field, message: error.message };
    };
    const stock = (await rest<{ stock: number }>("GET", `/product/${shop.lantern.id}`)).body.stock;
    const stockLimit = "delta: must be at most 1000000000 (the shop's limit for stock)";
    for (const delta of ["1e20", "-1e20"]) {
      const rested = await errorOf(
        rest("POST", `/product/${shop.lantern.id}/stock`, { token: shop.adminToken, body: `{"delta":${delta}}` }),
      );
      expect(rested).toEqual({ code: "BAD_USER_INPUT", reason: "LIMIT_EXCEEDED", field: "delta", message: stockLimit });
      expect(
        await graphQLErrorOf(
          `mutation { adjustStock(productId: "${shop.lantern.id}", delta: ${delta}) { stock } }`,
          shop.adminToken,
        ),
      ).toEqual(rested);
    }
    expect((await rest<{ stock: number }>("GET", `/product/${shop.lantern.id}`)).body.stock).toBe(stock);

    const customer = shop.bob.token;
    const rested = await errorOf(rest("GET", "/me/orders?take=1e20", { token: customer }));
    expect(rested).toEqual({
      code: "BAD_USER_INPUT",
      reason: "INVALID_INPUT",
      field: "take",
      message: "take: must be at most 2147483647",
    });
    expect(await graphQLErrorOf(`{ myOrders(pagination: { take: 1e20 }) { id } }`, customer)).toEqual(rested);
  });
});
