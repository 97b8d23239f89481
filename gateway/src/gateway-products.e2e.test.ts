import { describe, expect, it } from "vitest";
import { newId } from "@polyscale/platform";
import { createProduct, graphql, ok, placeOrder, register, rest, unique, useGatewayShop } from "./test-gateway-e2e.js";

/**
 * Products end to end, through GraphQL and REST: images (set, reorder, refused URLs) and archiving (search, listings,
 * carts, checkout, past orders, restore).
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

/** The first error of a GraphQL call that must fail: code, reason and field. */
async function refusal(query: string, variables: Record<string, unknown>, token?: string) {
  const result = await graphql(query, variables, token);
  expect(result.errors?.length).toBeGreaterThan(0);
  const { code, reason, field } = result.errors![0]!.extensions ?? {};
  return { code, reason, field };
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

describe("gateway end to end: product images", () => {
  const SET_IMAGES = `mutation($id: String!, $images: [ProductImageInput!]!) {
    setProductImages(productId: $id, images: $images) { id images { url alt position } }
  }`;

  it("sets and reorders images through GraphQL and REST, and refuses bad URLs naming the field, writing nothing", async () => {
    const vase = await createProduct(shop.adminToken, `Image Vase ${unique()}`, 30);
    const front = { url: "https://cdn.example.com/vase/front.jpg", alt: "The vase from the front" };
    const top = { url: "https://cdn.example.com/vase/top.jpg" };
    expect(await refusal(SET_IMAGES, { id: vase.id, images: [front] }, shop.bob.token)).toMatchObject({
      code: "FORBIDDEN",
    });
    const set = await ok<{ setProductImages: { images: unknown[] } }>(
      SET_IMAGES,
      { id: vase.id, images: [front, top] },
      shop.adminToken,
    );
    expect(set.setProductImages.images).toEqual([
      { ...front, position: 0 },
      { ...top, alt: "", position: 1 },
    ]);

    // Reordered through REST; GET and GraphQL read the new order.
    const reordered = await rest<{ images: unknown[] }>("POST", `/product/${vase.id}/images`, {
      token: shop.adminToken,
      body: { images: [top, front] },
    });
    expect(reordered.status).toBe(200);
    const expected = [
      { ...top, alt: "", position: 0 },
      { ...front, position: 1 },
    ];
    expect(reordered.body.images).toEqual(expected);
    expect((await rest<{ images: unknown[] }>("GET", `/product/${vase.id}`)).body.images).toEqual(expected);
    const read = await ok<{ product: { images: unknown[] } }>(
      `query($id: String!) { product(id: $id) { images { url alt position } } }`,
      { id: vase.id },
    );
    expect(read.product.images).toEqual(expected);

    // Refused with code, reason and field, through both skins; the images stay as they were.
    for (const [url, field] of [
      ["http://cdn.example.com/a.jpg", "images[1].url"],
      ["javascript:alert(1)", "images[1].url"],
      ["/a.jpg", "images[1].url"],
      [`https://cdn.example.com/${"a".repeat(2048)}`, "images[1].url"],
      ["https://user:pass@cdn.example.com/a.jpg", "images[1].url"],
    ] as const) {
      expect(await refusal(SET_IMAGES, { id: vase.id, images: [front, { url }] }, shop.adminToken)).toEqual({
        code: "BAD_USER_INPUT",
        reason: "INVALID_INPUT",
        field,
      });
      const refused = await rest<{ error: { code: string; reason: string; field: string } }>(
        "POST",
        `/product/${vase.id}/images`,
        { token: shop.adminToken, body: { images: [front, { url }] } },
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field });
    }
    const notAString = await rest<{ error: { field: string } }>("POST", `/product/${vase.id}/images`, {
      token: shop.adminToken,
      body: { images: [{ url: 7 }] },
    });
    expect([notAString.status, notAString.body.error.field]).toEqual([400, "images[0].url"]);
    expect((await rest<{ images: unknown[] }>("GET", `/product/${vase.id}`)).body.images).toEqual(expected);
  });
});
