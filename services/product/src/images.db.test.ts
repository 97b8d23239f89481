import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService, validProduct } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService images on $name", (backend) => {
  const bed = useProductService(backend);

  it("sets, reorders and removes a product's images, each change one product.updated event", async () => {
    const product = await bed.service.createProduct(validProduct);
    expect(product.images).toEqual([]);
    const front = { url: "https://cdn.example.com/lamp/front.jpg", alt: "The lamp from the front" };
    const side = { url: "HTTPS://CDN.example.com/lamp/side.jpg", alt: "" };
    const set = await bed.service.setProductImages({ productId: product.id, images: [front, side] });
    const sideStored = { url: "https://cdn.example.com/lamp/side.jpg", alt: "", position: 1, variantId: null };
    expect(set.images).toEqual([{ ...front, position: 0, variantId: null }, sideStored]);
    expect((await bed.service.getProduct(product.id)).images).toEqual(set.images);
    expect((await bed.service.getProducts([product.id]))[0]!.images).toEqual(set.images);

    const reordered = await bed.service.setProductImages({ productId: product.id, images: [side, front] });
    expect(reordered.images).toEqual([
      { ...sideStored, position: 0 },
      { ...front, position: 1, variantId: null },
    ]);
    expect((await bed.service.setProductImages({ productId: product.id, images: [] })).images).toEqual([]);
    const events = await bed.database.query<{ subject: string }>(
      "SELECT subject FROM event_outbox WHERE aggregate_id = $1 ORDER BY id",
      [product.id],
    );
    expect(events.rows.map((row) => row.subject)).toEqual([
      "polyscale.product.created",
      "polyscale.product.updated",
      "polyscale.product.updated",
      "polyscale.product.updated",
    ]);
  });

  it("issue 17: an image may name one of the product's variants, which then lists it; others are refused", async () => {
    const product = await bed.service.createProduct({
      ...validProduct,
      priceCents: 0,
      stock: 0,
      variants: ["Red", "Blue"].map((colour) => ({
        sku: `${colour}-${newId().slice(-12)}`.toUpperCase(),
        options: [{ name: "Colour", value: colour }],
        priceCents: 1000,
        currency: "",
        stock: 1,
      })),
    });
    const [red, blue] = product.variants;
    const whole = { url: "https://cdn.example.com/tee.jpg", alt: "The tee" };
    const redFront = { url: "https://cdn.example.com/tee-red.jpg", alt: "Red", variantId: red!.id };
    const redBack = { url: "https://cdn.example.com/tee-red-back.jpg", alt: "", variantId: red!.id };
    const set = await bed.service.setProductImages({ productId: product.id, images: [redFront, whole, redBack] });
    const stored = [
      { ...redFront, position: 0 },
      { ...whole, position: 1, variantId: null },
      { ...redBack, position: 2 },
    ];
    expect(set.images).toEqual(stored);
    const read = await bed.service.getProduct(product.id);
    expect(read.variants.map((variant) => variant.images)).toEqual([[stored[0], stored[2]], []]);
    // A variant read alone (updateVariant's answer) carries its images too.
    expect((await bed.service.updateVariant({ id: red!.id })).variant.images).toEqual([stored[0], stored[2]]);

    const other = await bed.service.createProduct(validProduct);
    for (const [variantId, code, reason] of [
      [other.id, "NOT_FOUND", "VARIANT_NOT_FOUND"],
      [newId(), "NOT_FOUND", "VARIANT_NOT_FOUND"],
      ["red", "INVALID_ARGUMENT", "INVALID_INPUT"],
    ] as const) {
      const error = await rejection(
        bed.service.setProductImages({ productId: product.id, images: [whole, { ...redFront, variantId }] }),
      );
      expect(error).toMatchObject({ code, reason, field: "images[1].variantId" });
    }
    expect((await bed.service.getProduct(product.id)).images).toEqual(stored);
    // Removing the variant's images leaves it none; blue never had any.
    const cleared = await bed.service.setProductImages({ productId: product.id, images: [whole] });
    expect(cleared.variants.map((variant) => variant.images)).toEqual([[], []]);
    expect(blue!.images).toEqual([]);
  });

  it("regression: refuses bad image URLs and alt texts with code, reason and field, writing nothing", async () => {
    const product = await bed.service.createProduct(validProduct);
    const good = { url: "https://cdn.example.com/a.jpg", alt: "A" };
    await bed.service.setProductImages({ productId: product.id, images: [good] });
    const before = await bed.service.getProduct(product.id);
    const eventCount = async () =>
      (await bed.database.query("SELECT 1 FROM event_outbox WHERE aggregate_id = $1", [product.id])).rowCount;
    const eventsBefore = await eventCount();
    const refusals: Array<[Array<{ url: string; alt: string }>, string, string]> = [
      [[good, { url: "http://cdn.example.com/b.jpg", alt: "" }], "images[1].url", "INVALID_INPUT"],
      [[{ url: "javascript:alert(1)", alt: "" }], "images[0].url", "INVALID_INPUT"],
      [[{ url: "/images/b.jpg", alt: "" }], "images[0].url", "INVALID_INPUT"],
      [[{ url: `https://cdn.example.com/${"b".repeat(2040)}`, alt: "" }], "images[0].url", "INVALID_INPUT"],
      [[{ url: "https://admin:hunter2@cdn.example.com/b.jpg", alt: "" }], "images[0].url", "INVALID_INPUT"],
      [[good, { ...good, url: "https://CDN.example.com/a.jpg" }], "images[1].url", "INVALID_INPUT"],
      [[{ ...good, alt: "line one\nline two" }], "images[0].alt", "INVALID_INPUT"],
      [[{ ...good, alt: "x".repeat(501) }], "images[0].alt", "INVALID_INPUT"],
      [
        Array.from({ length: 21 }, (_, index) => ({ url: `https://cdn.example.com/${index}.jpg`, alt: "" })),
        "images",
        "LIMIT_EXCEEDED",
      ],
    ];
    for (const [images, field, reason] of refusals) {
      const error = await rejection(bed.service.setProductImages({ productId: product.id, images }));
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT", reason, field });
    }
    // A credential never reaches the message either.
    const leaked = await rejection(
      bed.service.setProductImages({
        productId: product.id,
        images: [{ url: "https://admin:hunter2@cdn.example.com/b.jpg", alt: "" }],
      }),
    );
    expect(leaked.message).not.toContain("hunter2");
    expect(await bed.service.getProduct(product.id)).toEqual(before);
    expect(await eventCount()).toBe(eventsBefore);
    expect(await rejection(bed.service.setProductImages({ productId: newId(), images: [good] }))).toMatchObject({
      code: "NOT_FOUND",
      reason: "PRODUCT_NOT_FOUND",
      field: "productId",
    });
  });
});
