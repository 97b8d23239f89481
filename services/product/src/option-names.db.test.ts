import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, sizeColour, tShirtInput, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService option and attribute names on $name", (backend) => {
  const bed = useProductService(backend);
  const { createTShirt, variantCount } = bed;
  const search = (options: Array<{ name: string; values: string[] }>) => bed.search({ options });

  it("regression (nu17 10b): all variants of a product name the same options, but an old-way default naming none", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    const mismatch = await rejection(
      bed.service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S", "red"), sizeColour(`B-${tag}`, "M")])),
    );
    expect(mismatch).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field: "variants[1].options" });
    const product = await createTShirt(["S"], ["red"]);
    const otherNames = [
      [{ name: "Size", value: "M" }],
      [
        { name: "Size", value: "M" },
        { name: "Colour", value: "red" },
        { name: "Fit", value: "slim" },
      ],
      [],
    ];
    for (const options of otherNames) {
      const refused = await rejection(
        bed.service.addVariant({ productId: product.id, variant: { ...sizeColour(`C-${tag}`, "M"), options } }),
      );
      expect(refused).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field: "variant.options" });
    }
    // Compared as search folds them: "SIZE" and "Colour" in another case and with an accent are the same names.
    const folded = await bed.service.addVariant({
      productId: product.id,
      variant: {
        ...sizeColour(`D-${tag}`, "M"),
        options: [
          { name: "Côlour", value: "red" },
          { name: "SIZE", value: "M" },
        ],
      },
    });
    const changed = rejection(
      bed.service.updateVariant({ id: folded.variant.id, options: [{ name: "Size", value: "L" }] }),
    );
    expect(await changed).toMatchObject({ code: "INVALID_ARGUMENT", field: "options" });
    // A product created the old way takes variants with options beside its default, which names none.
    const mug = await bed.service.createProduct({ ...tShirtInput([]), variants: undefined, priceCents: 5 });
    await bed.service.addVariant({ productId: mug.id, variant: sizeColour(`E-${tag}`, "L") });
    const other = rejection(
      bed.service.addVariant({ productId: mug.id, variant: sizeColour(`F-${tag}`, "XL", "red") }),
    );
    expect(await other).toMatchObject({ field: "variant.options" });
    expect(await variantCount()).toBe(before + 1 + 1 + 1 + 1);
  });

  it("regression (nu17 7): an attribute may not share a name with a variant option, so search filters only options", async () => {
    const tag = newId().slice(-12).toUpperCase();
    const product = await createTShirt(["S"], ["red"]);
    const shadowing = rejection(
      bed.service.updateProduct({
        id: product.id,
        attributes: [
          { name: "Brand", value: "Acme" },
          { name: "COLOUR", value: "green" },
        ],
      }),
    );
    expect(await shadowing).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INVALID_INPUT",
      field: "attributes[1].name",
    });
    expect((await search([{ name: "colour", values: ["green"] }])).totalCount).toBe(0);
    const created = rejection(
      bed.service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S", "red")], [{ name: "Sïze", value: "big" }])),
    );
    expect(await created).toMatchObject({ code: "INVALID_ARGUMENT", field: "attributes[0].name" });
    // An option may not shadow an attribute either: a product created the old way with attributes, then a variant.
    const mug = await bed.service.createProduct({
      ...tShirtInput([], [{ name: "Material", value: "Clay" }]),
      variants: undefined,
    });
    const shadowed = rejection(
      bed.service.addVariant({
        productId: mug.id,
        variant: { ...sizeColour(`B-${tag}`, "L"), options: [{ name: "material", value: "steel" }] },
      }),
    );
    expect(await shadowed).toMatchObject({ code: "INVALID_ARGUMENT", field: "variant.options[0].name" });
    const renamed = rejection(
      bed.service.updateVariant({ id: mug.id, options: [{ name: "Material", value: "steel" }] }),
    );
    expect(await renamed).toMatchObject({ code: "INVALID_ARGUMENT", field: "options[0].name" });
    const other = await bed.service.updateProduct({ id: product.id, attributes: [{ name: "Brand", value: "Acme" }] });
    expect(other.attributes).toEqual([{ name: "Brand", value: "Acme" }]);
  });

  it("race: an attribute and a variant option of one name written at once: exactly one of each pair wins", async () => {
    const tag = newId().slice(-12).toUpperCase();
    const mugs = await Promise.all(
      Array.from({ length: 10 }, () => bed.service.createProduct({ ...tShirtInput([]), variants: undefined })),
    );
    const attempts = await Promise.all(
      mugs.map((mug, index) =>
        Promise.allSettled([
          bed.service.updateProduct({ id: mug.id, attributes: [{ name: "Colour", value: "green" }] }),
          bed.service.addVariant({
            productId: mug.id,
            variant: { ...sizeColour(`R-${index}-${tag}`, ""), options: [{ name: "colour", value: "red" }] },
          }),
        ]),
      ),
    );
    for (const [index, pair] of attempts.entries()) {
      expect(pair.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
      const stored = await bed.service.getProduct(mugs[index]!.id);
      const shadowing = stored.attributes.length > 0 && stored.variants.some((variant) => variant.options.length > 0);
      expect(shadowing).toBe(false);
    }
  });
});
