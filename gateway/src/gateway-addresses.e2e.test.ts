import { berlinAddress } from "@polyscale/tools/testing";
import { newId } from "@polyscale/platform";
import { describe, expect, it } from "vitest";
import { graphql, ok, register, rest, useGatewayShop } from "./test-gateway-e2e.js";

/** The gateway end to end: address books through GraphQL and REST: validation, CRUD, ownership, the limit. */

const shop = useGatewayShop();

interface AddressEntry {
  id: string;
  name: string;
  line1: string;
  line2: string;
  postalCode: string;
  countryCode: string;
  defaultShipping: boolean;
  defaultBilling: boolean;
}

const ADDRESS_FIELDS = "id name line1 line2 postalCode countryCode defaultShipping defaultBilling";
const ADD_ADDRESS = `mutation($input: AddressInput!, $shipping: Boolean) {
  addAddress(input: $input, defaultShipping: $shipping) { ${ADDRESS_FIELDS} }
}`;
const UPDATE_ADDRESS = `mutation($id: String!, $input: UpdateAddressInput!) {
  updateAddress(id: $id, input: $input) { ${ADDRESS_FIELDS} }
}`;
const DELETE_ADDRESS = `mutation($id: String!) { deleteAddress(id: $id) }`;
const MY_ADDRESSES = `{ me { addresses { ${ADDRESS_FIELDS} } } }`;

/** AddressInput of berlinAddress changed by `changes` (GraphQL leaves out nothing; "" is absent). */
const addressInput = (changes: Record<string, string> = {}) => ({ ...berlinAddress, ...changes });

async function myAddresses(token: string): Promise<AddressEntry[]> {
  return (await ok<{ me: { addresses: AddressEntry[] } }>(MY_ADDRESSES, {}, token)).me.addresses;
}

async function addAddress(token: string, changes: Record<string, string> = {}): Promise<AddressEntry> {
  return (await ok<{ addAddress: AddressEntry }>(ADD_ADDRESS, { input: addressInput(changes) }, token)).addAddress;
}

/** code, reason and field of the first error of a GraphQL call that must fail. */
async function refusal(query: string, variables: Record<string, unknown>, token?: string) {
  const result = await graphql(query, variables, token);
  const extensions = result.errors?.[0]?.extensions;
  return { code: extensions?.code, reason: extensions?.reason, field: extensions?.field };
}

describe("gateway end to end: address books", () => {
  it.each([
    ["a country that is no ISO 3166-1 code (XX)", { countryCode: "XX" }, "COUNTRY_UNKNOWN", "countryCode"],
    ["a country of three letters", { countryCode: "DEU" }, "INVALID_INPUT", "countryCode"],
    ["no postal code where DE requires one", { postalCode: "" }, "INVALID_INPUT", "postalCode"],
    ["a name of only invisible characters", { name: "\u200b" }, "INVALID_INPUT", "name"],
    ["a first line too long", { line1: "x".repeat(201) }, "INVALID_INPUT", "line1"],
    ["a line break", { line2: "Hinterhaus\r\nLinks" }, "INVALID_INPUT", "line2"],
  ])("GraphQL refuses %s with its reason and field and stores nothing", async (_case, changes, reason, field) => {
    const carol = await register("Carol");
    const variables = { input: addressInput(changes) };
    expect(await refusal(ADD_ADDRESS, variables, carol.token)).toEqual({ code: "BAD_USER_INPUT", reason, field });
    expect(await myAddresses(carol.token)).toEqual([]);
  });

  it("REST refuses bad addresses with the same reasons and fields, and stores nothing", async () => {
    const dave = await register("Dave");
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ ...berlinAddress, countryCode: "XX" }, "COUNTRY_UNKNOWN", "countryCode"],
      [{ ...berlinAddress, postalCode: undefined }, "INVALID_INPUT", "postalCode"],
      [{ ...berlinAddress, line1: "Unter den Linden\u00071" }, "INVALID_INPUT", "line1"],
      [{ ...berlinAddress, city: 42 }, "INVALID_INPUT", "city"],
      [{ ...berlinAddress, defaultBilling: "yes" }, "INVALID_INPUT", "defaultBilling"],
    ];
    for (const [body, reason, field] of cases) {
      const answer = await rest("POST", "/me/addresses", { body, token: dave.token });
      expect([answer.status, answer.body]).toMatchObject([400, { error: { code: "BAD_USER_INPUT", reason, field } }]);
    }
    expect((await rest("GET", "/me/addresses", { token: dave.token })).body).toEqual([]);
    expect((await rest("GET", "/me/addresses")).status).toBe(401);
  });

  it("keeps a book through GraphQL: add (first is default, lowercase country taken as DE), change, delete", async () => {
    const erin = await register("Erin");
    const home = await addAddress(erin.token, { countryCode: "de" });
    expect(home).toMatchObject({ countryCode: "DE", defaultShipping: true, defaultBilling: true });
    const office = (
      await ok<{ addAddress: AddressEntry }>(
        ADD_ADDRESS,
        { input: addressInput({ line1: "Friedrichstraße 43" }), shipping: true },
        erin.token,
      )
    ).addAddress;
    expect(office).toMatchObject({ line1: "Friedrichstraße 43", defaultShipping: true, defaultBilling: false });
    const changed = await ok<{ updateAddress: AddressEntry }>(
      UPDATE_ADDRESS,
      { id: home.id, input: { line2: "3. OG", defaultShipping: true } },
      erin.token,
    );
    expect(changed.updateAddress).toMatchObject({ line1: berlinAddress.line1, line2: "3. OG", defaultShipping: true });
    expect((await myAddresses(erin.token)).map((entry) => [entry.id, entry.defaultShipping])).toEqual([
      [home.id, true],
      [office.id, false],
    ]);
    expect(await refusal(UPDATE_ADDRESS, { id: home.id, input: { countryCode: "XX" } }, erin.token)).toEqual({
      code: "BAD_USER_INPUT",
      reason: "COUNTRY_UNKNOWN",
      field: "countryCode",
    });
    expect(await ok(DELETE_ADDRESS, { id: office.id }, erin.token)).toEqual({ deleteAddress: true });
    expect((await myAddresses(erin.token)).map((entry) => entry.id)).toEqual([home.id]);
    expect(await refusal(DELETE_ADDRESS, { id: office.id }, erin.token)).toEqual({
      code: "NOT_FOUND",
      reason: "ADDRESS_NOT_FOUND",
      field: "id",
    });
  });

  it("keeps a book through REST: GET, POST, PATCH, DELETE on /me/addresses", async () => {
    const frank = await register("Frank");
    const added = await rest<AddressEntry>("POST", "/me/addresses", {
      body: { ...berlinAddress, countryCode: "gb", postalCode: "SW1A 1AA", city: "London" },
      token: frank.token,
    });
    expect([added.status, added.body]).toMatchObject([201, { countryCode: "GB", defaultShipping: true }]);
    const patched = await rest<AddressEntry>("PATCH", `/me/addresses/${added.body.id}`, {
      body: { line2: "Flat 2" },
      token: frank.token,
    });
    expect([patched.status, patched.body]).toMatchObject([200, { line2: "Flat 2", postalCode: "SW1A 1AA" }]);
    expect((await rest<AddressEntry[]>("GET", "/me/addresses", { token: frank.token })).body).toEqual([patched.body]);
    const deleted = await rest("DELETE", `/me/addresses/${added.body.id}`, { token: frank.token });
    expect([deleted.status, deleted.body]).toEqual([200, patched.body]);
    expect((await rest("GET", "/me/addresses", { token: frank.token })).body).toEqual([]);
    const malformed = await rest("PATCH", "/me/addresses/42", { body: {}, token: frank.token });
    expect([malformed.status, malformed.body]).toMatchObject([400, { error: { field: "id" } }]);
  });

  it("lets only the owner or an admin see or change an address; to anyone else it is unknown (ADDRESS_NOT_FOUND)", async () => {
    const { alice, bob, adminToken } = shop;
    const address = await addAddress(alice.token);
    const unknownId = newId();
    // Someone else's address answers exactly as an unknown id does, so ids cannot be probed (OWASP API1).
    for (const [query, variables] of [
      [UPDATE_ADDRESS, (id: string) => ({ id, input: { name: "Mallory" } })],
      [DELETE_ADDRESS, (id: string) => ({ id })],
    ] as const) {
      const unknown = await graphql(query, variables(unknownId), bob.token);
      expect(unknown.errors?.[0]).toMatchObject({
        message: `address ${unknownId} does not exist`,
        extensions: { code: "NOT_FOUND", reason: "ADDRESS_NOT_FOUND" },
      });
      // As JSON: the answers are compared as a client reads them; each names the id it was given.
      expect(JSON.stringify(await graphql(query, variables(address.id), bob.token))).toBe(
        JSON.stringify(unknown).replaceAll(unknownId, address.id),
      );
    }
    expect(
      await refusal(`query($id: String) { accounts(id: $id) { addresses { id } } }`, { id: alice.id }, bob.token),
    ).toMatchObject({ code: "FORBIDDEN", reason: "NOT_OWNER" });
    for (const [method, body] of [
      ["PATCH", { name: "Mallory" }],
      ["DELETE", undefined],
    ] as const) {
      const answer = async (id: string) => {
        const { status, body: error } = await rest(method, `/me/addresses/${id}`, { body, token: bob.token });
        return { status, error };
      };
      const unknown = await answer(unknownId);
      expect(unknown).toMatchObject({
        status: 404,
        error: { error: { reason: "ADDRESS_NOT_FOUND", field: "id", message: `address ${unknownId} does not exist` } },
      });
      expect(await answer(address.id)).toEqual(JSON.parse(JSON.stringify(unknown).replaceAll(unknownId, address.id)));
    }
    expect((await myAddresses(alice.token)).find((entry) => entry.id === address.id)).toEqual(address);

    const byAdmin = await ok<{ updateAddress: AddressEntry }>(
      UPDATE_ADDRESS,
      { id: address.id, input: { line2: "c/o Concierge" } },
      adminToken,
    );
    expect(byAdmin.updateAddress.line2).toBe("c/o Concierge");
    const seen = await ok<{ accounts: Array<{ addresses: AddressEntry[] }> }>(
      `query($id: String) { accounts(id: $id) { addresses { ${ADDRESS_FIELDS} } } }`,
      { id: alice.id },
      adminToken,
    );
    expect(seen.accounts[0]!.addresses).toContainEqual(byAdmin.updateAddress);
  });

  it("never lets concurrent additions pass 20 addresses per account", async () => {
    const grace = await register("Grace");
    const attempts = 30;
    const answers = await Promise.all(
      Array.from({ length: attempts }, (_, index) =>
        rest("POST", "/me/addresses", { body: { ...berlinAddress, line2: `Flat ${index}` }, token: grace.token }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(20);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused).toHaveLength(attempts - 20);
    for (const answer of refused) expect(answer.body).toMatchObject({ error: { reason: "ADDRESS_BOOK_FULL" } });
    const book = await myAddresses(grace.token);
    expect(book).toHaveLength(20);
    expect(new Set(book.map((entry) => entry.line2)).size).toBe(20);
    expect(book.filter((entry) => entry.defaultShipping)).toHaveLength(1);
  });
});

interface OrderAddresses {
  id: string;
  shippingAddress: Record<string, string> | null;
  billingAddress: Record<string, string> | null;
}

const POSTAL_FIELDS = "name company line1 line2 city region postalCode countryCode phone";
const ORDER_ADDRESSES = `id shippingAddress { ${POSTAL_FIELDS} } billingAddress { ${POSTAL_FIELDS} }`;
const CHECKOUT = `mutation($shipping: AddressInput, $shippingId: String, $billing: AddressInput, $billingId: String) {
  checkout(shippingAddress: $shipping, shippingAddressId: $shippingId, billingAddress: $billing,
    billingAddressId: $billingId) { ${ORDER_ADDRESSES} }
}`;

describe("gateway end to end: checkout with addresses", () => {
  const fillCart = (token: string) =>
    ok(
      `mutation($id: String!) { addToCart(productId: $id, quantity: 1) { totalCents } }`,
      { id: shop.lantern.id },
      token,
    );
  const cartLines = async (token: string) =>
    (await ok<{ cart: { lines: unknown[] } }>(`{ cart { lines { productId } } }`, {}, token)).cart.lines.length;
  const orderOf = async (token: string, id: string) =>
    (
      await ok<{ order: OrderAddresses }>(
        `query($id: String!) { order(id: $id) { ${ORDER_ADDRESSES} } }`,
        { id },
        token,
      )
    ).order;

  it("stores a snapshot of an address-book entry that later edits and deletion leave alone; billing defaults to it", async () => {
    const heidi = await register("Heidi");
    const home = await addAddress(heidi.token);
    await fillCart(heidi.token);
    const placed = (await ok<{ checkout: OrderAddresses }>(CHECKOUT, { shippingId: home.id }, heidi.token)).checkout;
    expect(placed.shippingAddress).toEqual(berlinAddress);
    expect(placed.billingAddress).toEqual(berlinAddress);

    await ok(UPDATE_ADDRESS, { id: home.id, input: { line1: "Alexanderplatz 5", postalCode: "10178" } }, heidi.token);
    expect((await orderOf(heidi.token, placed.id)).shippingAddress).toEqual(berlinAddress);
    await ok(DELETE_ADDRESS, { id: home.id }, heidi.token);
    expect(await orderOf(heidi.token, placed.id)).toEqual(placed);
    const viaRest = await rest<OrderAddresses>("GET", `/order/${placed.id}`, { token: heidi.token });
    expect(viaRest.body).toMatchObject({ shippingAddress: berlinAddress, billingAddress: berlinAddress });
  });

  it("takes a written shipping address and a separate billing address", async () => {
    const ivan = await register("Ivan");
    await fillCart(ivan.token);
    const shipping = { ...berlinAddress, countryCode: "us", city: "Springfield", region: "IL", postalCode: "62701" };
    const billing = { ...berlinAddress, company: "Ivan GmbH" };
    const placed = (await ok<{ checkout: OrderAddresses }>(CHECKOUT, { shipping, billing }, ivan.token)).checkout;
    expect(placed.shippingAddress).toEqual({ ...shipping, countryCode: "US" });
    expect(placed.billingAddress).toEqual(billing);
  });

  it.each([
    [
      "an unknown country",
      { shipping: { ...berlinAddress, countryCode: "XX" } },
      "COUNTRY_UNKNOWN",
      "shippingAddress.countryCode",
    ],
    [
      "a missing postal code",
      { billing: { ...berlinAddress, postalCode: "" } },
      "INVALID_INPUT",
      "billingAddress.postalCode",
    ],
    [
      "a control character",
      { shipping: { ...berlinAddress, line1: "a\u0007b" } },
      "INVALID_INPUT",
      "shippingAddress.line1",
    ],
    [
      "an address and an id at once",
      { shipping: berlinAddress, shippingId: "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b" },
      "INVALID_INPUT",
      "shippingAddressId",
    ],
    ["a malformed address id", { shippingId: "42" }, "INVALID_INPUT", "shippingAddressId"],
  ])(
    "refuses checkout with %s, naming the field; the cart is kept and no order is placed",
    async (_case, variables, reason, field) => {
      const judy = await register("Judy");
      await fillCart(judy.token);
      expect(await refusal(CHECKOUT, variables, judy.token)).toEqual({ code: "BAD_USER_INPUT", reason, field });
      expect(await cartLines(judy.token)).toBe(1);
      expect((await ok<{ myOrders: unknown[] }>(`{ myOrders { id } }`, {}, judy.token)).myOrders).toEqual([]);
    },
  );

  it("refuses an address of someone else's book as an unknown one (ADDRESS_NOT_FOUND), for a customer and an admin", async () => {
    const { alice, bob, adminToken } = shop;
    const bobs = await addAddress(bob.token);
    await fillCart(alice.token);
    expect(await refusal(CHECKOUT, { shippingId: bobs.id }, alice.token)).toEqual({
      code: "NOT_FOUND",
      reason: "ADDRESS_NOT_FOUND",
      field: "shippingAddressId",
    });
    // In the account service's words, as the account service answers an unknown address (issue 16 review: the order
    // service restated it as "the account's address book has no address with this id").
    const checkout = await graphql(CHECKOUT, { shippingId: bobs.id }, alice.token);
    expect(checkout.errors?.[0]?.message).toBe(`address ${bobs.id} does not exist`);
    expect(await cartLines(alice.token)).toBeGreaterThan(0);
    const order = { accountId: alice.id, products: [{ id: shop.lantern.id, quantity: 1 }], shippingAddressId: bobs.id };
    expect(
      await refusal(`mutation($o: OrderInput!) { createOrder(order: $o) { id } }`, { o: order }, adminToken),
    ).toEqual({
      code: "NOT_FOUND",
      reason: "ADDRESS_NOT_FOUND",
      field: "shippingAddressId",
    });
  });

  it("keeps the Go-compatible createOrder working without an address (the order has none)", async () => {
    const { alice } = shop;
    const placed = await ok<{ createOrder: OrderAddresses }>(
      `mutation($o: OrderInput!) { createOrder(order: $o) { ${ORDER_ADDRESSES} } }`,
      { o: { accountId: alice.id, products: [{ id: shop.lantern.id, quantity: 1 }] } },
      alice.token,
    );
    expect(placed.createOrder).toMatchObject({ shippingAddress: null, billingAddress: null });
  });

  it("checks out through REST with an address-book id for shipping and a written billing address", async () => {
    const karl = await register("Karl");
    const home = await addAddress(karl.token);
    await fillCart(karl.token);
    const billing = { ...berlinAddress, name: "Karl Accounts" };
    const bad = await rest("POST", "/checkout", {
      body: { shippingAddressId: home.id, billingAddress: { ...billing, countryCode: "XX" } },
      token: karl.token,
    });
    expect([bad.status, bad.body]).toMatchObject([
      400,
      { error: { reason: "COUNTRY_UNKNOWN", field: "billingAddress.countryCode" } },
    ]);
    const placed = await rest<OrderAddresses>("POST", "/checkout", {
      body: { shippingAddressId: home.id, billingAddress: billing },
      token: karl.token,
    });
    expect([placed.status, placed.body]).toMatchObject([
      201,
      { shippingAddress: berlinAddress, billingAddress: billing },
    ]);
    expect(await cartLines(karl.token)).toBe(0);
  });
});
