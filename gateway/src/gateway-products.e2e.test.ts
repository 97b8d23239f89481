import { describe, expect, it } from "vitest";
import { newId } from "@polyscale/platform";
import { signatureOf } from "./rest/webhooks.js";
import {
  CREATE_PRODUCT,
  WEBHOOK_SECRET,
  colourVariants,
  createProduct,
  type CreatedProduct,
  failure,
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
 * Products end to end, through GraphQL and REST: found at once by query and by id, priced in their currency's minor
 * unit, their stock as admins see it, their images (set, reorder, per variant, refused URLs), categories.
 */

const shop = useGatewayShop();

const VARIANT_ARCHIVE_ONLY = `mutation($id: String!) { archiveVariant(id: $id) { id } }`;

describe("gateway end to end: products", () => {
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

  // The price bounds are the product service's rule alone (the gateway's copy is gone, issue 16): its refusal reaches
  // both skins naming the parameter the client sent. Its wording, "minPriceCents", shows the service answered.
  it("refuses a price range whose maximum is below its minimum through both skins, as the product service does", async () => {
    const byGraphQL = await graphql(`
      {
        searchProducts(filter: { minPrice: 5, maxPrice: 1 }) {
          totalCount
        }
      }
    `);
    expect(byGraphQL.errors?.[0]).toMatchObject({
      message: "maxPrice: must not be below the minimum price",
      extensions: { code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "maxPrice" },
    });
    const byRest = await rest<{ error: unknown }>("GET", "/products?minPrice=500&maxPrice=100");
    expect(byRest.status).toBe(400);
    expect(byRest.body.error).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "INVALID_INPUT",
      field: "maxPrice",
      message: "maxPrice: must not be below the minimum price",
    });
    // A negative bound: GraphQL's decimal reaches the service, which refuses it; REST's schema states the minimum.
    expect(
      (
        await graphql(`
          {
            searchProducts(filter: { minPrice: -1 }) {
              totalCount
            }
          }
        `)
      ).errors?.[0],
    ).toMatchObject({
      message: "minPrice: must be at least 0",
      extensions: { code: "BAD_USER_INPUT", field: "minPrice" },
    });
    expect((await rest<{ error: unknown }>("GET", "/products?minPrice=-1")).body.error).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "minPrice",
      message: "minPrice: must be at least 0",
    });
  });

  // Seen (issue 16 review): the gateway said "no product with id X", the product service "product X not found" and the
  // order service "product X does not exist"; now each uses the product service's productNotFound.
  it("refuses a product that does not exist in one wording, whether the gateway, the product or the order service looks", async () => {
    const id = newId();
    const refused = async (method: string, route: string, options: { token: string; body?: unknown }) => {
      const { status, body } = await rest<{ error: unknown }>(method, route, options);
      return { status, error: body.error };
    };
    const missing = (field: string) => ({
      status: 404,
      error: { code: "NOT_FOUND", reason: "PRODUCT_NOT_FOUND", field, message: `product ${id} does not exist` },
    });
    // The gateway's own look-up, the product service's archive, the order service's cart.
    expect(await refused("GET", `/product/${id}`, { token: shop.adminToken })).toEqual(missing("id"));
    expect(await refused("POST", `/product/${id}/archive`, { token: shop.adminToken })).toEqual(missing("id"));
    expect(await refused("POST", "/cart/items", { token: shop.alice.token, body: { productId: id } })).toEqual(
      missing("productId"),
    );
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

  // Seen: createCategory(name: "Обувь") was refused ("must contain a letter or digit").
  it("regression: creates a category named in any script with a valid unique slug", async () => {
    const create = (name: string) =>
      ok<{ createCategory: { id: string; slug: string } }>(
        `mutation($input: CategoryInput!) { createCategory(input: $input) { id slug } }`,
        { input: { name } },
        shop.adminToken,
      );
    expect((await create("Обувь")).createCategory.slug).toBe("obuv");
    const shoes = (await create("鞋子")).createCategory;
    expect(shoes.slug).toBe(shoes.id);
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
    // REST writes the contract's empty variantId of a product's own image, as it does an empty categoryId.
    const expectedByRest = expected.map((image) => ({ ...image, variantId: "" }));
    expect(reordered.body.images).toEqual(expectedByRest);
    expect((await rest<{ images: unknown[] }>("GET", `/product/${vase.id}`)).body.images).toEqual(expectedByRest);
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
    expect((await rest<{ images: unknown[] }>("GET", `/product/${vase.id}`)).body.images).toEqual(expectedByRest);
  });

  it("images of one variant through GraphQL and REST: listed on the variant; an archived variant's shown to admins only", async () => {
    const tag = unique();
    const tee = (
      await ok<{ createProduct: { id: string; variants: Array<{ id: string }> } }>(
        `mutation($product: ProductInput!) { createProduct(product: $product) { id variants { id } } }`,
        { product: { name: `Imagetee ${tag}`, description: "A tee", price: 0, variants: colourVariants(tag) } },
        shop.adminToken,
      )
    ).createProduct;
    const [red, blue] = tee.variants.map((variant) => variant.id);
    const whole = { url: "https://cdn.example.com/tee.jpg", alt: "The tee" };
    const redImage = { url: "https://cdn.example.com/tee-red.jpg", alt: "Red", variantId: red };
    const blueImage = { url: "https://cdn.example.com/tee-blue.jpg", alt: "Blue", variantId: blue };
    const VARIANT_IMAGES = `query($id: String!) {
      product(id: $id) { images { url variantId } variants { id images { url alt position variantId } } }
    }`;
    interface VariantImages {
      product: {
        images: Array<{ url: string; variantId: string | null }>;
        variants: Array<{ id: string; images: unknown[] }>;
      };
    }

    await ok(
      `mutation($id: String!, $images: [ProductImageInput!]!) { setProductImages(productId: $id, images: $images) { id } }`,
      { id: tee.id, images: [whole, redImage] },
      shop.adminToken,
    );
    const read = await ok<VariantImages>(VARIANT_IMAGES, { id: tee.id });
    expect(read.product.variants.map((variant) => variant.images)).toEqual([[{ ...redImage, position: 1 }], [], []]);
    expect(read.product.images).toEqual([
      { url: whole.url, variantId: null },
      { url: redImage.url, variantId: red },
    ]);

    // Through REST: replaced, each variant's listed on it; a variant of another product or a malformed id is refused.
    const byRest = await rest<{ variants: Array<{ id: string; images: unknown[] }> }>(
      "POST",
      `/product/${tee.id}/images`,
      { token: shop.adminToken, body: { images: [redImage, blueImage, whole] } },
    );
    expect(byRest.status).toBe(200);
    expect(byRest.body.variants.map((variant) => variant.images)).toEqual([
      [{ ...redImage, position: 0 }],
      [{ ...blueImage, position: 1 }],
      [],
    ]);
    const lamp = await createProduct(shop.adminToken, `Image Lamp ${tag}`, 10);
    for (const [variantId, status, reason] of [
      [lamp.id, 404, "VARIANT_NOT_FOUND"],
      ["blue", 400, "INVALID_INPUT"],
    ] as const) {
      const refused = await rest<{ error: unknown }>("POST", `/product/${tee.id}/images`, {
        token: shop.adminToken,
        body: { images: [whole, { ...blueImage, variantId }] },
      });
      expect(refused.status).toBe(status);
      expect(refused.body.error).toMatchObject({ reason, field: "images[1].variantId" });
      expect(
        await refusal(
          `mutation($id: String!, $images: [ProductImageInput!]!) { setProductImages(productId: $id, images: $images) { id } }`,
          { id: tee.id, images: [whole, { ...blueImage, variantId }] },
          shop.adminToken,
        ),
      ).toMatchObject({ reason, field: "images[1].variantId" });
    }

    // Blue archived: shoppers see neither it nor its image; admins see both.
    await ok(VARIANT_ARCHIVE_ONLY, { id: blue }, shop.adminToken);
    const shopper = await ok<VariantImages>(VARIANT_IMAGES, { id: tee.id });
    expect(shopper.product.images.map((image) => image.url)).toEqual([redImage.url, whole.url]);
    const restShopper = await rest<{ images: Array<{ url: string }> }>("GET", `/product/${tee.id}`);
    expect(restShopper.body.images.map((image) => image.url)).toEqual([redImage.url, whole.url]);
    const admin = await ok<VariantImages>(VARIANT_IMAGES, { id: tee.id }, shop.adminToken);
    expect(admin.product.images.map((image) => image.url)).toEqual([redImage.url, blueImage.url, whole.url]);
  });
});
