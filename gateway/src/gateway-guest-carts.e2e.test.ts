import { describe, expect, it } from "vitest";
import { graphql, PASSWORD, register, rest, useGatewayShop } from "./test-gateway-e2e.js";

/**
 * Guest carts end to end: a guest cart's units move into the account's cart exactly once, whether by a login carrying
 * its X-Cart-Token or by mergeGuestCart, while adds from that token and the account race with it.
 */

const shop = useGatewayShop();

describe("gateway end to end: guest carts", () => {
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
