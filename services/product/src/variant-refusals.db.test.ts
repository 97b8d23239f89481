import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import type { ProductService } from "./service.js";
import type { NewVariantInput } from "./variants.js";
import { rejection, sizeColour, tShirtInput, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService variant refusals on $name", (backend) => {
  const bed = useProductService(backend);
  const { createTShirt, variantCount } = bed;

  it("refuses bad variants naming the field, writing nothing", async () => {
    const before = await bed.database.query<{ n: number }>("SELECT count(*)::int AS n FROM product_variants");
    const base = { name: "Bad", description: "", currency: "", categoryId: "", priceCents: 0, stock: 0 };
    const variant = { sku: "OK-1", options: [], priceCents: 100, currency: "", stock: 1 };
    const cases: Array<[Parameters<ProductService["createProduct"]>[0], string]> = [
      [{ ...base, variants: [{ ...variant, sku: "no spaces" }] }, "variants[0].sku"],
      [{ ...base, variants: [variant, { ...variant, sku: "OK-2", priceCents: -1 }] }, "variants[1].priceCents"],
      [{ ...base, variants: [{ ...variant, stock: -1 }] }, "variants[0].stock"],
      [{ ...base, variants: [{ ...variant, currency: "XXXX" }] }, "variants[0].currency"],
      [{ ...base, variants: [{ ...variant, options: [{ name: "", value: "x" }] }] }, "variants[0].options[0].name"],
      // "=" separates name from value in the keys search filters on.
      [{ ...base, variants: [{ ...variant, options: [{ name: "a=b", value: "x" }] }] }, "variants[0].options[0].name"],
      [
        {
          ...base,
          variants: [
            {
              ...variant,
              options: [
                { name: "Size", value: "M" },
                { name: "size", value: "L" },
              ],
            },
          ],
        },
        "variants[0].options[1].name",
      ],
      [{ ...base, priceCents: 5, variants: [variant] }, "priceCents"],
      [{ ...base, stock: 5, variants: [variant] }, "stock"],
    ];
    for (const [input, field] of cases) {
      expect(await rejection(bed.service.createProduct(input))).toMatchObject({ code: "INVALID_ARGUMENT", field });
    }
    const after = await bed.database.query<{ n: number }>("SELECT count(*)::int AS n FROM product_variants");
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it("regression (issue 17 re-check): a refused option names its entry's index on create, add and update", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    const long = "x".repeat(101);
    const withOptions = (sku: string, options: Array<{ name: string; value: string }>): NewVariantInput => ({
      ...sizeColour(sku, "Q"),
      options,
    });
    const created = await rejection(
      bed.service.createProduct(
        tShirtInput([
          sizeColour(`A-${tag}`, "S", "red"),
          withOptions(`B-${tag}`, [
            { name: "Size", value: "M" },
            { name: "Colour", value: long },
          ]),
        ]),
      ),
    );
    expect(created).toMatchObject({ code: "INVALID_ARGUMENT", field: "variants[1].options[1].value" });
    const product = await createTShirt(["S"], ["red"]);
    // Size first, then the option at fault.
    const sizeAnd = (name: string, value: string) => [
      { name: "Size", value: "Q" },
      { name, value },
    ];
    const cases: Array<[Array<{ name: string; value: string }>, string]> = [
      [sizeAnd("Colour", long), "options[1].value"],
      [sizeAnd("", "red"), "options[1].name"],
      [sizeAnd("SIZE", "red"), "options[1].name"],
    ];
    for (const [options, field] of cases) {
      const added = await rejection(
        bed.service.addVariant({ productId: product.id, variant: withOptions(`C-${tag}`, options) }),
      );
      expect(added, field).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "INVALID_INPUT",
        field: `variant.${field}`,
      });
      const updated = await rejection(bed.service.updateVariant({ id: product.id, options }));
      expect(updated, field).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field });
    }
    expect(await variantCount()).toBe(before + 1);
  });

  it("regression (nu17 1, 10a): an explicit variant needs its SKU and variants [] is refused; the old way's is its id", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    for (const sku of ["", "   "]) {
      expect(await rejection(bed.service.createProduct(tShirtInput([sizeColour(sku, "S")])))).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "INVALID_INPUT",
        field: "variants[0].sku",
      });
      expect(
        await rejection(bed.service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S"), sizeColour(sku, "M")]))),
      ).toMatchObject({ code: "INVALID_ARGUMENT", field: "variants[1].sku" });
    }
    expect(await rejection(bed.service.createProduct(tShirtInput([])))).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INVALID_INPUT",
      field: "variants",
    });
    const product = await createTShirt(["S"], ["red"]);
    const added = rejection(bed.service.addVariant({ productId: product.id, variant: sizeColour("", "M", "red") }));
    expect(await added).toMatchObject({ code: "INVALID_ARGUMENT", field: "variant.sku" });
    expect(await rejection(bed.service.updateVariant({ id: product.id, sku: " " }))).toMatchObject({ field: "sku" });
    expect(await variantCount()).toBe(before + 1);
    const oldWay = await bed.service.createProduct({ ...tShirtInput([]), variants: undefined, priceCents: 5 });
    expect(oldWay.variants.map((variant) => variant.sku)).toEqual([oldWay.id.toUpperCase()]);
  });

  it("regression (nu17 5): a SKU or option values twice in one request is INVALID_INPUT naming the later one", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    const twice = await rejection(
      bed.service.createProduct(
        tShirtInput([sizeColour(`NEW-${tag}`, "S"), sizeColour(`OTHER-${tag}`, "M"), sizeColour(`new-${tag}`, "L")]),
      ),
    );
    expect(twice).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field: "variants[2].sku" });
    expect(twice.message).toContain("variants[0].sku");
    const sameValues = await rejection(
      bed.service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S", "Red"), sizeColour(`B-${tag}`, "s", "réd")])),
    );
    expect(sameValues).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INVALID_INPUT",
      field: "variants[1].options",
    });
    expect(await variantCount()).toBe(before);
  });
});
