import { describe, expect, it } from "vitest";
import { PASSWORD, failure, graphql, ok, register, rest, system, unique, useGatewayShop } from "./test-gateway-e2e.js";

/** The gateway end to end: the HTTP edge: unstorable text, query depth, CORS, GraphiQL and probes, a service that is down. */

const shop = useGatewayShop();

describe("gateway end to end: http", () => {
  it("regression: refuses NUL, unpaired surrogates and out-of-range integers at every edge, and compares emails in NFC", async () => {
    // Seen: GET /products?q=sho%00es answered 500 INTERNAL.
    expect(await rest("GET", "/products?q=sho%00es")).toMatchObject({
      status: 400,
      body: { error: { code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "q" } },
    });
    // Seen: skip=2147483648 answered 500.
    expect(await rest("GET", "/products?skip=2147483648")).toMatchObject({
      status: 400,
      body: { error: { code: "BAD_USER_INPUT", field: "skip" } },
    });
    const name = `Nul\u0000${unique()}`;
    expect(
      await failure(`mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
        input: { name, email: `nul-${unique()}@e2e.test`, password: PASSWORD },
      }),
    ).toEqual({ code: "BAD_USER_INPUT", field: "name" });
    expect(await failure(`query($q: String) { products(query: $q) { id } }`, { q: "a\ud800b" })).toEqual({
      code: "BAD_USER_INPUT",
      field: "query",
    });
    // Seen: e + U+0301 and U+00E9 registered two accounts.
    const local = `mile-${unique()}`;
    await ok(`mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
      input: { name: "Émile", email: `e\u0301${local}@e2e.test`, password: PASSWORD },
    });
    const twin = await graphql(
      `
        mutation ($input: RegisterInput!) {
          register(input: $input) {
            accessToken
          }
        }
      `,
      {
        input: { name: "Émile", email: `\u00c9${local}@e2e.test`, password: PASSWORD },
      },
    );
    expect(twin.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "EMAIL_TAKEN" });
  });

  it("rejects a query deeper than GRAPHQL_MAX_DEPTH", async () => {
    let selection = "id";
    for (let level = 0; level < 12; level += 1) selection = `parent { ${selection} }`;
    const result = await graphql(`{ categories { ${selection} } }`);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/);
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("lets browser apps on other origins call it (CORS)", async () => {
    const origin = "https://shop.example";
    const preflight = await fetch(`${system.gatewayUrl}/graphql`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const answer = await fetch(`${system.gatewayUrl}/products?take=1`, { headers: { origin } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    expect(answer.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("serves GraphiQL to browsers, redirects / and answers the probes", async () => {
    const page = await fetch(`${system.gatewayUrl}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const root = await fetch(`${system.gatewayUrl}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/graphql");
    expect((await rest("GET", "/readyz")).status).toBe(200);
  });

  it("answers UNAVAILABLE, not a hang, while a service is down", async () => {
    const shopper = await register("Shopper");
    await ok(
      `mutation($p: String!) { addToCart(productId: $p) { totalCents } }`,
      { p: shop.lantern.id },
      shopper.token,
    );
    await system.stopService("product");
    try {
      expect((await failure(`{ products { id } }`)).code).toBe("UNAVAILABLE");
      // Seen: checkout with the product service down said "order service is unavailable".
      const checkout = await graphql(
        `
          mutation {
            checkout {
              id
            }
          }
        `,
        {},
        shopper.token,
      );
      expect(checkout.errors?.[0]).toMatchObject({
        message: "product service is unavailable",
        extensions: { code: "UNAVAILABLE", reason: "SERVICE_UNAVAILABLE" },
      });
      expect(await rest("GET", `/product/${shop.lantern.id}`)).toMatchObject({
        status: 503,
        body: { error: { code: "UNAVAILABLE" } },
      });
      expect(await rest("GET", "/readyz")).toMatchObject({
        status: 503,
        body: { services: { product: "down", account: "up" } },
      });
      // Down long enough for the gateway's channel to back off to its longest wait between reconnects (1 s): the
      // window in which the service answers its health check again but calls through the gateway still fail.
      await new Promise((resolve) => setTimeout(resolve, 2500));
    } finally {
      await system.startService("product");
    }
    // startService waits for /readyz; its 200 means the gateway's own channel is back, so the next call succeeds.
    expect(await rest("GET", "/readyz")).toMatchObject({
      status: 200,
      body: { services: { product: "up", account: "up", order: "up" } },
    });
    expect(
      (
        await graphql<{ product: { id: string } | null }>(
          `
            query ($id: String!) {
              product(id: $id) {
                id
              }
            }
          `,
          { id: shop.lantern.id },
        )
      ).data?.product,
    ).toEqual({ id: shop.lantern.id });
  }, 120_000);
});
