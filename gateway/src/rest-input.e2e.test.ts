import { describe, expect, it } from "vitest";
import { rest, unique, useGatewayShop } from "./test-gateway-e2e.js";

/**
 * The gateway end to end: how REST reads what a client sends (new-user check of issue 17): the fields a body may
 * have, the names its errors give, and the idempotency key given twice. Each refusal is coded and writes nothing.
 */

const shop = useGatewayShop();

const refusal = (field: string) => ({
  status: 400,
  body: { error: { code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field } },
});

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
});
