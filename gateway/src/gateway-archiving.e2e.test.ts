import { describe, expect, it } from "vitest";
import { newId } from "@polyscale/platform";
import {
  colourVariants,
  createProduct,
  graphql,
  ok,
  placeOrder,
  refusal,
  register,
  rest,
  unique,
  useGatewayShop,
} from "./test-gateway-e2e.js";

/**
 * Archiving end to end, through GraphQL and REST: a product or one of its variants leaves search, listings, new carts
 * and checkout, stays in past orders and in the carts that hold it (shown unavailable), and comes back when restored.
 */

const shop = useGatewayShop();

const ARCHIVE = `mutation($id: String!) { archiveProduct(id: $id) { id archived archivedAt inStock } }`;
const RESTORE = `mutation($id: String!) { restoreProduct(id: $id) { id archived archivedAt inStock } }`;
const CART = `{ cart { totalCents lines { productId quantity inStock availableStock archived } } }`;

interface CartAnswer {
  cart: {
    totalCents: number;
    lines: Array<{ productId: string; quantity: number; inStock: boolean; availableStock: number; archived: boolean }>;
  };
}

const searchIds = async (text: string) =>
  (
    await ok<{ searchProducts: { items: Array<{ id: string }>; totalCount: number } }>(
      `query($q: String) { searchProducts(query: $q) { items { id } totalCount } }`,
      { q: text },
    )
  ).searchProducts.items.map((item) => item.id);

const stockOf = async (id: string) =>
  (await ok<{ product: { stock: number } }>(`query($id: String!) { product(id: $id) { stock } }`, { id })).product
    .stock;

describe("gateway end to end: archiving products", () => {
  it("archive: gone from search and listings, refused by add-to-cart and checkout, past orders kept; restore: back", async () => {
    const name = `Quillfeather ${unique()}`;
    const quill = await createProduct(shop.adminToken, name, 5, 10);
    const alice = await register("Archive-Alice");
    // A past order, and a cart that holds the product when it is archived.
    const past = await placeOrder(alice.token, alice.id, quill.id, 1);
    await ok(
      `mutation($p: String!) { addToCart(productId: $p, quantity: 2) { totalCents } }`,
      { p: quill.id },
      alice.token,
    );
    expect(await searchIds(name)).toContain(quill.id);

    expect(await refusal(ARCHIVE, { id: quill.id }, alice.token)).toMatchObject({ code: "FORBIDDEN" });
    const archived = (await ok<{ archiveProduct: Record<string, unknown> }>(ARCHIVE, { id: quill.id }, shop.adminToken))
      .archiveProduct;
    expect(archived).toMatchObject({ id: quill.id, archived: true, inStock: false });
    expect(typeof archived.archivedAt).toBe("string");

    // Out of search (GraphQL and REST) and the newest-first listing; still readable by id, marked archived.
    expect(await searchIds(name)).not.toContain(quill.id);
    const restSearch = await rest<{ items: Array<{ id: string }> }>("GET", `/products?q=${encodeURIComponent(name)}`);
    expect(restSearch.body.items.map((item) => item.id)).not.toContain(quill.id);
    const listed = await ok<{ products: Array<{ id: string }> }>(`{ products(pagination: { take: 100 }) { id } }`);
    expect(listed.products.map((product) => product.id)).not.toContain(quill.id);
    const byRest = await rest<{ id: string; archivedAt?: string }>("GET", `/product/${quill.id}`);
    expect(byRest.body).toMatchObject({ id: quill.id, archivedAt: archived.archivedAt });

    // New carts refuse it; the cart that holds it shows the line as unavailable.
    const bob = await register("Archive-Bob");
    const addToCart = `mutation($p: String!) { addToCart(productId: $p) { totalCents } }`;
    expect(await refusal(addToCart, { p: quill.id }, bob.token)).toEqual({
      code: "CONFLICT",
      reason: "PRODUCT_ARCHIVED",
      field: "productId",
    });
    expect((await ok<CartAnswer>(CART, {}, bob.token)).cart.lines).toEqual([]);
    expect((await ok<CartAnswer>(CART, {}, alice.token)).cart.lines).toEqual([
      { productId: quill.id, quantity: 2, inStock: false, availableStock: 0, archived: true },
    ]);

    // Checkout of that cart is refused, taking no stock and leaving the cart as it was; so is a direct order.
    const stockBefore = await stockOf(quill.id);
    expect(await refusal(`mutation { checkout { id } }`, {}, alice.token)).toEqual({
      code: "CONFLICT",
      reason: "PRODUCT_ARCHIVED",
      field: "productId",
    });
    expect(
      await refusal(
        `mutation($order: OrderInput!) { createOrder(order: $order) { id } }`,
        { order: { accountId: alice.id, products: [{ id: quill.id, quantity: 1 }] } },
        alice.token,
      ),
    ).toMatchObject({ code: "CONFLICT", reason: "PRODUCT_ARCHIVED" });
    expect(await stockOf(quill.id)).toBe(stockBefore);
    expect((await ok<CartAnswer>(CART, {}, alice.token)).cart.lines).toHaveLength(1);

    // The past order still reads with its snapshot.
    const order = await ok<{ order: { products: Array<{ id: string; name: string; priceCents: number }> } }>(
      `query($id: String!) { order(id: $id) { products { id name priceCents quantity } } }`,
      { id: past.id },
      alice.token,
    );
    expect(order.order.products).toEqual([{ id: quill.id, name, priceCents: 500, quantity: 1 }]);

    // Restored (through REST): searchable, in the cart as available, and checkout succeeds.
    expect((await rest("POST", `/product/${quill.id}/restore`, { token: alice.token })).status).toBe(403);
    const restored = await rest<Record<string, unknown>>("POST", `/product/${quill.id}/restore`, {
      token: shop.adminToken,
    });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: quill.id });
    expect(restored.body.archivedAt).toBeUndefined();
    expect((await ok<{ restoreProduct: unknown }>(RESTORE, { id: quill.id }, shop.adminToken)).restoreProduct).toEqual({
      id: quill.id,
      archived: false,
      archivedAt: null,
      inStock: true,
    });
    expect(await searchIds(name)).toContain(quill.id);
    expect((await ok<CartAnswer>(CART, {}, alice.token)).cart.lines).toEqual([
      { productId: quill.id, quantity: 2, inStock: true, availableStock: stockBefore, archived: false },
    ]);
    await ok(`mutation { checkout { id } }`, {}, alice.token);
    expect(await stockOf(quill.id)).toBe(stockBefore - 2);
  });

  it("REST archive: admins only, 404 for an unknown product, 400 for a malformed id, idempotent", async () => {
    const lamp = await createProduct(shop.adminToken, `Archive Lamp ${unique()}`, 12.5);
    expect((await rest("POST", `/product/${lamp.id}/archive`)).status).toBe(401);
    expect((await rest("POST", `/product/${lamp.id}/archive`, { token: shop.bob.token })).status).toBe(403);
    const unknown = await rest<{ error: { reason: string; field: string } }>("POST", `/product/${newId()}/archive`, {
      token: shop.adminToken,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ reason: "PRODUCT_NOT_FOUND", field: "id" });
    const malformed = await rest<{ error: { field: string } }>("POST", `/product/nope/archive`, {
      token: shop.adminToken,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ field: "id" });
    const first = await rest<{ archivedAt: string }>("POST", `/product/${lamp.id}/archive`, { token: shop.adminToken });
    const second = await rest<{ archivedAt: string }>("POST", `/product/${lamp.id}/archive`, {
      token: shop.adminToken,
    });
    expect(first.status).toBe(200);
    expect(second.body.archivedAt).toBe(first.body.archivedAt);
  });
});

describe("gateway end to end: archiving a variant", () => {
  const VARIANT_ARCHIVE = `mutation($id: String!) { archiveVariant(id: $id) { id sku archived archivedAt stock } }`;
  const VARIANT_RESTORE = `mutation($id: String!) { restoreVariant(id: $id) { id archived archivedAt } }`;
  const VARIANT_CART = `{ cart { lines { variantId quantity inStock availableStock archived } } }`;
  interface VariantCart {
    cart: {
      lines: Array<{
        variantId: string;
        quantity: number;
        inStock: boolean;
        availableStock: number;
        archived: boolean;
      }>;
    };
  }
  const byColour = async (text: string, colour: string) =>
    (
      await ok<{
        searchProducts: {
          items: Array<{ id: string }>;
          facets: { options: Array<{ name: string; values: Array<{ value: string }> }> };
        };
      }>(
        `query($q: String, $f: ProductFilter) {
           searchProducts(query: $q, filter: $f) { items { id } facets { options { name values { value } } } }
         }`,
        { q: text, f: colour === "" ? {} : { options: [{ name: "Colour", values: [colour] }] } },
      )
    ).searchProducts;
  const coloursOf = (facets: { options: Array<{ name: string; values: Array<{ value: string }> }> }) =>
    facets.options
      .find((option) => option.name === "colour")
      ?.values.map((value) => value.value)
      .sort();

  it("through GraphQL: leaves search, facets, the shopper's variant list and carts; checkout refuses it; restore", async () => {
    const tag = unique();
    const name = `Graphtee ${tag}`;
    const created = await ok<{ createProduct: { id: string; variants: Array<{ id: string }> } }>(
      `mutation($product: ProductInput!) { createProduct(product: $product) { id variants { id } } }`,
      { product: { name, description: "A tee", price: 0, variants: colourVariants(tag) } },
      shop.adminToken,
    );
    const tee = created.createProduct;
    const [red, blue] = tee.variants.map((variant) => variant.id);
    const alice = await register("Variant-Alice");
    const addLine = (variantId: string, token: string) =>
      graphql(
        `
          mutation ($p: String!, $v: String) {
            addToCart(productId: $p, variantId: $v, quantity: 1) {
              totalCents
            }
          }
        `,
        { p: tee.id, v: variantId },
        token,
      );
    // A past order of Blue, and a cart holding Red and Blue when Blue is archived.
    await ok(
      `mutation($order: OrderInput!) { createOrder(order: $order) { id } }`,
      { order: { accountId: alice.id, products: [{ id: tee.id, variantId: blue, quantity: 1 }] } },
      alice.token,
    );
    for (const variantId of [red!, blue!]) expect((await addLine(variantId, alice.token)).errors).toBeUndefined();
    expect((await byColour(name, "blue")).items.map((item) => item.id)).toEqual([tee.id]);

    expect(await refusal(VARIANT_ARCHIVE, { id: blue }, alice.token)).toMatchObject({ code: "FORBIDDEN" });
    const archived = (
      await ok<{ archiveVariant: { id: string; archived: boolean; archivedAt: string | null } }>(
        VARIANT_ARCHIVE,
        { id: blue },
        shop.adminToken,
      )
    ).archiveVariant;
    expect(archived).toMatchObject({ id: blue, archived: true, stock: 4 });
    expect(typeof archived.archivedAt).toBe("string");

    // Out of the colour filter and facets; the product stays findable by its other colours.
    expect((await byColour(name, "blue")).items).toEqual([]);
    const found = await byColour(name, "");
    expect(found.items.map((item) => item.id)).toEqual([tee.id]);
    expect(coloursOf(found.facets)).toEqual(["green", "red"]);
    // Shoppers are not shown it (as Vendure's and Saleor's storefront APIs); admins are, marked archived.
    const VARIANTS = `query($id: String!) { product(id: $id) { stock variants { id archived } } }`;
    expect((await ok<{ product: unknown }>(VARIANTS, { id: tee.id }, alice.token)).product).toEqual({
      stock: 10,
      variants: [
        { id: red, archived: false },
        { id: tee.variants[2]!.id, archived: false },
      ],
    });
    expect(
      (await ok<{ product: { variants: Array<{ archived: boolean }> } }>(VARIANTS, { id: tee.id }, shop.adminToken))
        .product.variants,
    ).toEqual([
      { id: red, archived: false },
      { id: blue, archived: true },
      { id: tee.variants[2]!.id, archived: false },
    ]);

    // New carts refuse it; Alice's cart shows it unavailable and her checkout is refused, taking nothing.
    const bob = await register("Variant-Bob");
    const refused = await addLine(blue!, bob.token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "CONFLICT",
      reason: "VARIANT_ARCHIVED",
      field: "variantId",
    });
    expect((await ok<VariantCart>(VARIANT_CART, {}, alice.token)).cart.lines).toEqual([
      { variantId: red, quantity: 1, inStock: true, availableStock: 5, archived: false },
      { variantId: blue, quantity: 1, inStock: false, availableStock: 0, archived: true },
    ]);
    // The total is what checkout would charge: Red's 20.00, not the archived Blue; Blue may keep 1, not get 2.
    expect((await ok<{ cart: { totalCents: number } }>(`{ cart { totalCents } }`, {}, alice.token)).cart).toEqual({
      totalCents: 2000,
    });
    const SET_BLUE = `mutation($p: String!, $v: String, $q: Int!) {
      setCartItemQuantity(productId: $p, variantId: $v, quantity: $q) { totalCents lines { quantity } }
    }`;
    expect(await refusal(SET_BLUE, { p: tee.id, v: blue, q: 2 }, alice.token)).toEqual({
      code: "CONFLICT",
      reason: "VARIANT_ARCHIVED",
      field: "variantId",
    });
    expect(
      (await ok<{ setCartItemQuantity: unknown }>(SET_BLUE, { p: tee.id, v: blue, q: 1 }, alice.token))
        .setCartItemQuantity,
    ).toEqual({
      totalCents: 2000,
      lines: [{ quantity: 1 }, { quantity: 1 }],
    });
    expect(await refusal(`mutation { checkout { id } }`, {}, alice.token)).toEqual({
      code: "CONFLICT",
      reason: "VARIANT_ARCHIVED",
      field: "variantId",
    });
    expect((await ok<VariantCart>(VARIANT_CART, {}, alice.token)).cart.lines).toHaveLength(2);

    // Restored: back in the filter, in the cart as available, and the checkout goes through.
    expect(
      (await ok<{ restoreVariant: unknown }>(VARIANT_RESTORE, { id: blue }, shop.adminToken)).restoreVariant,
    ).toEqual({ id: blue, archived: false, archivedAt: null });
    expect((await byColour(name, "blue")).items.map((item) => item.id)).toEqual([tee.id]);
    await ok(`mutation { checkout { id } }`, {}, alice.token);
    expect(await stockOf(tee.id)).toBe(15 - 3);
  });

  it("through REST alone: archive and restore routes, search, product, cart and checkout; admins only; coded errors", async () => {
    const tag = unique();
    const name = `Resttee ${tag}`;
    const created = await rest<{ id: string; variants: Array<{ id: string }> }>("POST", "/product", {
      token: shop.adminToken,
      body: { name, description: "A tee", priceCents: 0, variants: colourVariants(tag) },
    });
    expect(created.status).toBe(201);
    const tee = created.body;
    const [red, blue, green] = tee.variants.map((variant) => variant.id);
    const session = await rest<{ accessToken: string }>("POST", "/register", {
      body: { name: "Variant-Carol", email: `carol-${tag}@example.com`, password: "correct horse battery" },
    });
    const token = session.body.accessToken;
    for (const variantId of [red, blue]) {
      const body = { productId: tee.id, variantId, quantity: 2 };
      expect((await rest("POST", "/cart/items", { token, body })).status).toBe(200);
    }
    const search = async (query: string) =>
      (
        await rest<{
          items: Array<{ id: string }>;
          facets: { options: Array<{ name: string; values: Array<{ value: string }> }> };
        }>("GET", `/products?q=${encodeURIComponent(name)}${query}`)
      ).body;

    expect((await rest("POST", `/variants/${blue}/archive`)).status).toBe(401);
    expect((await rest("POST", `/variants/${blue}/archive`, { token })).status).toBe(403);
    const unknown = await rest<{ error: unknown }>("POST", `/variants/${newId()}/archive`, { token: shop.adminToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ reason: "VARIANT_NOT_FOUND", field: "id" });
    expect((await rest("POST", "/variants/nope/archive", { token: shop.adminToken })).status).toBe(400);

    const archived = await rest<{ id: string; variants: Array<{ id: string; archivedAt?: string }> }>(
      "POST",
      `/variants/${blue}/archive`,
      { token: shop.adminToken },
    );
    expect(archived.status).toBe(200);
    const archivedAt = archived.body.variants.find((variant) => variant.id === blue)?.archivedAt;
    expect(typeof archivedAt).toBe("string");
    const again = await rest<{ variants: Array<{ id: string; archivedAt?: string }> }>(
      "POST",
      `/variants/${blue}/archive`,
      { token: shop.adminToken },
    );
    expect(again.body.variants.find((variant) => variant.id === blue)?.archivedAt).toBe(archivedAt);

    expect((await search("&option=colour=blue")).items).toEqual([]);
    const found = await search("");
    expect(found.items.map((item) => item.id)).toEqual([tee.id]);
    expect(coloursOf(found.facets)).toEqual(["green", "red"]);
    const shown = await rest<{ variants: Array<{ id: string }> }>("GET", `/product/${tee.id}`);
    expect(shown.body.variants.map((variant) => variant.id)).toEqual([red, green]);
    const toAdmin = await rest<{ variants: Array<{ id: string }> }>("GET", `/product/${tee.id}`, {
      token: shop.adminToken,
    });
    expect(toAdmin.body.variants.map((variant) => variant.id)).toEqual([red, blue, green]);

    const add = await rest<{ error: unknown }>("POST", "/cart/items", {
      token,
      body: { productId: tee.id, variantId: blue },
    });
    expect(add.status).toBe(409);
    expect(add.body.error).toMatchObject({ reason: "VARIANT_ARCHIVED", field: "variantId" });
    type RestCart = { totalCents: number; lines: Array<{ variantId: string; archived: boolean; inStock: boolean }> };
    const cart = await rest<RestCart>("GET", "/cart", { token });
    expect(cart.body.lines.map((line) => [line.variantId, line.archived, line.inStock])).toEqual([
      [red, false, true],
      [blue, true, false],
    ]);
    // The total is what checkout would charge: Red's 2 × 20.00, not the archived Blue.
    expect(cart.body.totalCents).toBe(4000);
    // The archived line may be lowered, not raised.
    const setBlue = (quantity: number) =>
      rest<RestCart & { error: unknown }>("PUT", `/cart/items/${tee.id}?variantId=${blue}`, {
        token,
        body: { quantity },
      });
    const raised = await setBlue(3);
    expect([raised.status, raised.body.error]).toMatchObject([409, { reason: "VARIANT_ARCHIVED", field: "variantId" }]);
    const lowered = await setBlue(1);
    expect(lowered.status).toBe(200);
    expect(lowered.body).toMatchObject({ totalCents: 4000, lines: [{ quantity: 2 }, { quantity: 1, archived: true }] });
    const checkout = await rest<{ error: unknown }>("POST", "/checkout", { token });
    expect(checkout.status).toBe(409);
    expect(checkout.body.error).toMatchObject({ reason: "VARIANT_ARCHIVED", field: "variantId" });

    // The product's last variant on sale cannot be archived: that is archiving the product.
    expect((await rest("POST", `/variants/${green}/archive`, { token: shop.adminToken })).status).toBe(200);
    const last = await rest<{ error: unknown }>("POST", `/variants/${red}/archive`, { token: shop.adminToken });
    expect(last.status).toBe(409);
    expect(last.body.error).toMatchObject({ reason: "LAST_VARIANT_ON_SALE", field: "id" });

    for (const variantId of [blue, green]) {
      const restored = await rest<{ variants: Array<{ id: string; archivedAt?: string }> }>(
        "POST",
        `/variants/${variantId}/restore`,
        { token: shop.adminToken },
      );
      expect(restored.status).toBe(200);
      expect(restored.body.variants.find((variant) => variant.id === variantId)).not.toHaveProperty("archivedAt");
    }
    expect((await search("&option=colour=blue")).items.map((item) => item.id)).toEqual([tee.id]);
    expect((await rest("POST", "/checkout", { token })).status).toBe(201);
  });
});
