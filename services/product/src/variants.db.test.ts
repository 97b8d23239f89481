import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, sizeColour, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService variants on $name", (backend) => {
  const bed = useProductService(backend);
  const { createTShirt, variantCount } = bed;

  it("creates a product with its variants, the first the default with the product's id, SKUs upper-case", async () => {
    const product = await createTShirt(["S", "M", "L"], ["red", "blue"]);
    expect(product.variants).toHaveLength(6);
    expect(product.variants[0]!.id).toBe(product.id);
    expect(product.variants.map((variant) => variant.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(product.variants.every((variant) => variant.sku === variant.sku.toUpperCase())).toBe(true);
    expect(product.variants[4]!.options).toEqual([
      { name: "Size", value: "L" },
      { name: "Colour", value: "red" },
    ]);
    // The product answers the old fields from its variants: the default's price, the stock of all.
    expect(product).toMatchObject({ priceCents: 2000, currency: "EUR", stock: 30 });
    expect(await bed.service.getProduct(product.id)).toEqual(product);
  });

  it("regression: a product created the old way is one default variant, and the old calls work on it unchanged", async () => {
    const product = await bed.service.createProduct({
      name: "Mug",
      description: "",
      priceCents: 900,
      currency: "",
      categoryId: "",
      stock: 4,
    });
    expect(product).toMatchObject({ priceCents: 900, currency: "USD", stock: 4 });
    expect(product.variants).toEqual([
      expect.objectContaining({
        id: product.id,
        productId: product.id,
        sku: product.id.toUpperCase(),
        options: [],
        priceCents: 900,
        currency: "USD",
        stock: 4,
        position: 0,
      }),
    ]);
    const reservation = await bed.service.reserveStock({
      orderId: newId(),
      lines: [{ productId: product.id, quantity: 3 }],
    });
    expect(reservation.lines).toEqual([{ productId: product.id, variantId: product.id, quantity: 3 }]);
    expect((await bed.service.adjustStock({ productId: product.id, delta: 2 })).stock).toBe(3);
    const updated = await bed.service.updateProduct({ id: product.id, priceCents: 1100, currency: "GBP" });
    expect(updated).toMatchObject({ priceCents: 1100, currency: "GBP", stock: 3 });
    expect(updated.variants[0]).toMatchObject({ priceCents: 1100, currency: "GBP", stock: 3 });
  });

  it("regression: of concurrent creates with one SKU exactly one wins; the others are SKU_TAKEN naming the variant's sku", async () => {
    const sku = `RACE-${newId().slice(-12)}`.toUpperCase();
    const attempts = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        index % 2 === 0
          ? bed.service.createProduct({
              name: "Racer",
              description: "",
              priceCents: 0,
              currency: "",
              categoryId: "",
              stock: 0,
              variants: [{ sku: sku.toLowerCase(), options: [], priceCents: 100, currency: "", stock: 1 }],
            })
          : createTShirt(["S"], ["red"]).then((product) =>
              bed.service.addVariant({
                productId: product.id,
                variant: sizeColour(sku, "XL", "red"),
              }),
            ),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    for (const [index, attempt] of attempts.entries()) {
      if (attempt.status === "rejected") {
        expect(attempt.reason).toMatchObject({
          code: "ALREADY_EXISTS",
          reason: "SKU_TAKEN",
          // Named as each request's other errors name that variant: createProduct's variants[0], addVariant's variant.
          field: index % 2 === 0 ? "variants[0].sku" : "variant.sku",
          message: `a variant with SKU "${sku}" already exists`,
        });
      }
    }
    const stored = await bed.database.query("SELECT 1 FROM product_variants WHERE sku = $1", [sku]);
    expect(stored.rowCount).toBe(1);
    // A refused create left no product behind: the creates are the even attempts, and at most one of them won.
    const racers = await bed.database.query("SELECT 1 FROM products WHERE name = 'Racer'");
    expect(racers.rowCount).toBe(
      attempts.filter((attempt, index) => index % 2 === 0 && attempt.status === "fulfilled").length,
    );
  });

  // Seen: POST /product with variants whose second SKU another product has answered SKU_TAKEN naming `sku`, not the
  // variant at fault; addVariant named `sku` and `options` where its other errors say variant.sku, variant.options.
  it("regression: a SKU taken by another product is named by the clashing variant's index, nothing written", async () => {
    const existing = await createTShirt(["S"], ["red"]);
    const taken = existing.variants[0]!.sku;
    const before = await variantCount();
    const create = await rejection(
      bed.service.createProduct({
        name: "Clash",
        description: "",
        priceCents: 0,
        currency: "",
        categoryId: "",
        stock: 0,
        variants: [sizeColour(`CLASH-${newId().slice(-12)}`, "S"), sizeColour(taken.toLowerCase(), "M")],
      }),
    );
    expect(create).toMatchObject({
      code: "ALREADY_EXISTS",
      reason: "SKU_TAKEN",
      field: "variants[1].sku",
      message: `a variant with SKU "${taken}" already exists`,
    });
    const add = await rejection(
      bed.service.addVariant({ productId: existing.id, variant: sizeColour(` ${taken} `, "M", "blue") }),
    );
    expect(add).toMatchObject({ code: "ALREADY_EXISTS", reason: "SKU_TAKEN", field: "variant.sku" });
    expect(await variantCount()).toBe(before);
  });

  it("adds and updates variants: the product follows, and SKUs and option values stay unique", async () => {
    const product = await createTShirt(["S"], ["red"]);
    const added = await bed.service.addVariant({
      productId: product.id,
      variant: {
        sku: " ts-new-m ",
        options: [
          { name: "Colour", value: "red" },
          { name: "Size", value: "M" },
        ],
        priceCents: 2500,
        currency: "EUR",
        stock: 7,
      },
    });
    expect(added.variant).toMatchObject({ sku: "TS-NEW-M", position: 1, stock: 7 });
    expect(added.product.stock).toBe(12);
    const sameOptions = await rejection(
      bed.service.addVariant({
        productId: product.id,
        variant: {
          sku: "TS-NEW-M-AGAIN",
          options: [
            { name: "size", value: "m" },
            { name: "colour", value: "RED" },
          ],
          priceCents: 1,
          currency: "",
          stock: 0,
        },
      }),
    );
    expect(sameOptions).toMatchObject({
      code: "ALREADY_EXISTS",
      reason: "VARIANT_OPTIONS_TAKEN",
      field: "variant.options",
    });
    const takenSku = await rejection(
      bed.service.updateVariant({ id: added.variant.id, sku: product.variants[0]!.sku }),
    );
    expect(takenSku).toMatchObject({ code: "ALREADY_EXISTS", reason: "SKU_TAKEN", field: "sku" });
    const changed = await bed.service.updateVariant({ id: product.id, priceCents: 1800, sku: "ts-default" });
    expect(changed.variant).toMatchObject({ sku: "TS-DEFAULT", priceCents: 1800 });
    expect(changed.product).toMatchObject({ priceCents: 1800, stock: 12 });
    const missing = await rejection(bed.service.updateVariant({ id: newId(), priceCents: 1 }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "id" });
    expect((await bed.service.getProduct(product.id)).variants).toHaveLength(2);
  });
});
