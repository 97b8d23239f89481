import { newId } from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Product } from "./model.js";
import type { NewVariantInput, ProductService } from "./service.js";
import { openProductService, rejection } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService variants on $name", (backend) => {
  let test: TestDatabase;
  let service: ProductService;

  beforeAll(async () => {
    ({ test, service } = await openProductService(backend));
  });
  afterAll(async () => {
    await test?.close();
  });

  /** A T-shirt in the given sizes × colours, SKUs unique to this call, stock from `stockOf`. */
  const createTShirt = async (sizes: string[], colours: string[], stockOf = () => 5): Promise<Product> => {
    const tag = newId().slice(-12).toUpperCase();
    const variants: NewVariantInput[] = sizes.flatMap((size) =>
      colours.map((colour) => ({
        sku: `TS-${tag}-${size}-${colour}`,
        options: [
          { name: "Size", value: size },
          { name: "Colour", value: colour },
        ],
        priceCents: size === "L" ? 2200 : 2000,
        currency: "EUR",
        stock: stockOf(),
      })),
    );
    return service.createProduct({
      name: "T-shirt",
      description: "Cotton",
      priceCents: 0,
      currency: "",
      categoryId: "",
      stock: 0,
      variants,
    });
  };
  const tShirtInput = (variants: NewVariantInput[], attributes?: Array<{ name: string; value: string }>) => ({
    name: "Shape",
    description: "",
    priceCents: 0,
    currency: "",
    categoryId: "",
    stock: 0,
    variants,
    attributes,
  });
  const sizeColour = (sku: string, size: string, colour?: string): NewVariantInput => ({
    sku,
    options: [{ name: "Size", value: size }, ...(colour === undefined ? [] : [{ name: "Colour", value: colour }])],
    priceCents: 100,
    currency: "",
    stock: 1,
  });
  const variantCount = async () =>
    (await test.database.query<{ n: number }>("SELECT count(*)::int AS n FROM product_variants")).rows[0]!.n;

  const variantStock = async (variantId: string) =>
    (await test.database.query<{ stock: number }>("SELECT stock FROM product_variants WHERE id = $1", [variantId]))
      .rows[0]!.stock;
  const reservedOf = async (variantId: string) =>
    (
      await test.database.query<{ total: number }>(
        "SELECT coalesce(sum(quantity), 0)::int AS total FROM reservation_lines WHERE variant_id = $1",
        [variantId],
      )
    ).rows[0]!.total;

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
    expect(await service.getProduct(product.id)).toEqual(product);
  });

  it("regression: a product created the old way is one default variant, and the old calls work on it unchanged", async () => {
    const product = await service.createProduct({
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
    const reservation = await service.reserveStock({
      orderId: newId(),
      lines: [{ productId: product.id, quantity: 3 }],
    });
    expect(reservation.lines).toEqual([{ productId: product.id, variantId: product.id, quantity: 3 }]);
    expect((await service.adjustStock({ productId: product.id, delta: 2 })).stock).toBe(3);
    const updated = await service.updateProduct({ id: product.id, priceCents: 1100, currency: "GBP" });
    expect(updated).toMatchObject({ priceCents: 1100, currency: "GBP", stock: 3 });
    expect(updated.variants[0]).toMatchObject({ priceCents: 1100, currency: "GBP", stock: 3 });
  });

  it("regression: 50 concurrent buyers over 3 variants never oversell one; sold + available = initial per variant", async () => {
    const initial = [4, 3, 2];
    let next = 0;
    const product = await createTShirt(["S", "M", "L"], ["black"], () => initial[next++]!);
    const variants = product.variants;
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, (_, buyer) => {
        const variant = variants[buyer % 3]!;
        return service.reserveStock({
          orderId: newId(),
          lines: [{ productId: product.id, variantId: variant.id, quantity: 1 }],
        });
      }),
    );
    const refused = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason as unknown] : []));
    const skuOf = new Map(variants.map((variant) => [variant.id, variant.sku]));
    for (const error of refused) {
      // Every refusal names its variant, the default (whose id is the product's) as the others.
      expect(error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK", field: "variantId" });
      const [, variantId, sku] = /^insufficient stock for variant (\S+) \(SKU (\S+)\) of product /.exec(
        (error as Error).message,
      )!;
      expect(skuOf.get(variantId!)).toBe(sku);
    }
    expect(attempts.length - refused.length).toBe(4 + 3 + 2);
    for (const [index, variant] of variants.entries()) {
      const available = await variantStock(variant.id);
      const sold = await reservedOf(variant.id);
      expect(available).toBeGreaterThanOrEqual(0);
      expect(sold + available).toBe(initial[index]);
      expect(sold).toBe(initial[index]);
    }
    expect((await service.getProduct(product.id)).stock).toBe(0);
  });

  it("regression: concurrent orders of several variants each take all or nothing, sums per variant hold", async () => {
    const product = await createTShirt(["S", "M"], ["red", "blue"], () => 6);
    const [a, b, c, d] = product.variants.map((variant) => variant.id);
    const lineSets = [
      [a!, b!],
      [b!, c!],
      [c!, d!],
      [d!, a!],
    ];
    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, (_, buyer) =>
        service.reserveStock({
          orderId: newId(),
          lines: lineSets[buyer % 4]!.map((variantId) => ({ productId: product.id, variantId, quantity: 1 })),
        }),
      ),
    );
    const taken = new Map<string, number>();
    for (const attempt of attempts) {
      if (attempt.status !== "fulfilled") continue;
      for (const line of attempt.value.lines) taken.set(line.variantId, (taken.get(line.variantId) ?? 0) + 1);
    }
    for (const variant of product.variants) {
      const available = await variantStock(variant.id);
      expect(available).toBeGreaterThanOrEqual(0);
      expect(await reservedOf(variant.id)).toBe(taken.get(variant.id) ?? 0);
      expect(available + (taken.get(variant.id) ?? 0)).toBe(6);
    }
    const sum = (await Promise.all(product.variants.map((variant) => variantStock(variant.id)))).reduce(
      (total, units) => total + units,
      0,
    );
    expect((await service.getProduct(product.id)).stock).toBe(sum);
  });

  it("regression: reserves once per order however often repeated, per variant; other lines for it conflict", async () => {
    const product = await createTShirt(["S", "M"], ["red"], () => 5);
    const [small, medium] = product.variants;
    const orderId = newId();
    const lines = [
      { productId: product.id, variantId: small!.id, quantity: 2 },
      { productId: product.id, variantId: medium!.id, quantity: 1 },
    ];
    const results = await Promise.all(Array.from({ length: 10 }, () => service.reserveStock({ orderId, lines })));
    expect(new Set(results.map((reservation) => JSON.stringify(reservation.lines))).size).toBe(1);
    expect(await variantStock(small!.id)).toBe(3);
    expect(await variantStock(medium!.id)).toBe(4);
    const swapped = await rejection(
      service.reserveStock({
        orderId,
        lines: [
          { productId: product.id, variantId: small!.id, quantity: 1 },
          { productId: product.id, variantId: medium!.id, quantity: 2 },
        ],
      }),
    );
    expect(swapped).toMatchObject({ code: "ALREADY_EXISTS", reason: "RESERVATION_CONFLICT", field: "orderId" });
    await service.releaseReservation(orderId);
    await service.releaseReservation(orderId);
    expect(await variantStock(small!.id)).toBe(5);
    expect(await variantStock(medium!.id)).toBe(5);
    expect((await service.getProduct(product.id)).stock).toBe(10);
  });

  it("refuses a variant of another product and an unknown variant, taking nothing", async () => {
    const shirt = await createTShirt(["S"], ["red"]);
    const other = await createTShirt(["S"], ["blue"]);
    const foreign = await rejection(
      service.reserveStock({
        orderId: newId(),
        lines: [
          { productId: shirt.id, quantity: 1 },
          { productId: shirt.id, variantId: other.variants[0]!.id, quantity: 1 },
        ],
      }),
    );
    expect(foreign).toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    const unknown = await rejection(service.adjustStock({ productId: shirt.id, variantId: newId(), delta: 1 }));
    expect(unknown).toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    expect((await service.getProduct(shirt.id)).stock).toBe(5);
    expect((await service.getProduct(other.id)).stock).toBe(5);
  });

  it("regression: of concurrent creates with one SKU exactly one wins; the others are SKU_TAKEN naming the variant's sku", async () => {
    const sku = `RACE-${newId().slice(-12)}`.toUpperCase();
    const attempts = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        index % 2 === 0
          ? service.createProduct({
              name: "Racer",
              description: "",
              priceCents: 0,
              currency: "",
              categoryId: "",
              stock: 0,
              variants: [{ sku: sku.toLowerCase(), options: [], priceCents: 100, currency: "", stock: 1 }],
            })
          : createTShirt(["S"], ["red"]).then((product) =>
              service.addVariant({
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
    const stored = await test.database.query("SELECT 1 FROM product_variants WHERE sku = $1", [sku]);
    expect(stored.rowCount).toBe(1);
    // A refused create left no product behind: the creates are the even attempts, and at most one of them won.
    const racers = await test.database.query("SELECT 1 FROM products WHERE name = 'Racer'");
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
      service.createProduct({
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
      service.addVariant({ productId: existing.id, variant: sizeColour(` ${taken} `, "M", "blue") }),
    );
    expect(add).toMatchObject({ code: "ALREADY_EXISTS", reason: "SKU_TAKEN", field: "variant.sku" });
    expect(await variantCount()).toBe(before);
  });

  it("adds and updates variants: the product follows, and SKUs and option values stay unique", async () => {
    const product = await createTShirt(["S"], ["red"]);
    const added = await service.addVariant({
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
      service.addVariant({
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
    const takenSku = await rejection(service.updateVariant({ id: added.variant.id, sku: product.variants[0]!.sku }));
    expect(takenSku).toMatchObject({ code: "ALREADY_EXISTS", reason: "SKU_TAKEN", field: "sku" });
    const changed = await service.updateVariant({ id: product.id, priceCents: 1800, sku: "ts-default" });
    expect(changed.variant).toMatchObject({ sku: "TS-DEFAULT", priceCents: 1800 });
    expect(changed.product).toMatchObject({ priceCents: 1800, stock: 12 });
    const missing = await rejection(service.updateVariant({ id: newId(), priceCents: 1 }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "id" });
    expect((await service.getProduct(product.id)).variants).toHaveLength(2);
  });

  it("refuses bad variants naming the field, writing nothing", async () => {
    const before = await test.database.query<{ n: number }>("SELECT count(*)::int AS n FROM product_variants");
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
      expect(await rejection(service.createProduct(input))).toMatchObject({ code: "INVALID_ARGUMENT", field });
    }
    const after = await test.database.query<{ n: number }>("SELECT count(*)::int AS n FROM product_variants");
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
      service.createProduct(
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
        service.addVariant({ productId: product.id, variant: withOptions(`C-${tag}`, options) }),
      );
      expect(added, field).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "INVALID_INPUT",
        field: `variant.${field}`,
      });
      const updated = await rejection(service.updateVariant({ id: product.id, options }));
      expect(updated, field).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field });
    }
    expect(await variantCount()).toBe(before + 1);
  });

  it("regression (nu17 1, 10a): an explicit variant needs its SKU and variants [] is refused; the old way's is its id", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    for (const sku of ["", "   "]) {
      expect(await rejection(service.createProduct(tShirtInput([sizeColour(sku, "S")])))).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "INVALID_INPUT",
        field: "variants[0].sku",
      });
      expect(
        await rejection(service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S"), sizeColour(sku, "M")]))),
      ).toMatchObject({ code: "INVALID_ARGUMENT", field: "variants[1].sku" });
    }
    expect(await rejection(service.createProduct(tShirtInput([])))).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INVALID_INPUT",
      field: "variants",
    });
    const product = await createTShirt(["S"], ["red"]);
    const added = rejection(service.addVariant({ productId: product.id, variant: sizeColour("", "M", "red") }));
    expect(await added).toMatchObject({ code: "INVALID_ARGUMENT", field: "variant.sku" });
    expect(await rejection(service.updateVariant({ id: product.id, sku: " " }))).toMatchObject({ field: "sku" });
    expect(await variantCount()).toBe(before + 1);
    const oldWay = await service.createProduct({ ...tShirtInput([]), variants: undefined, priceCents: 5 });
    expect(oldWay.variants.map((variant) => variant.sku)).toEqual([oldWay.id.toUpperCase()]);
  });

  it("regression (nu17 5): a SKU or option values twice in one request is INVALID_INPUT naming the later one", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    const twice = await rejection(
      service.createProduct(
        tShirtInput([sizeColour(`NEW-${tag}`, "S"), sizeColour(`OTHER-${tag}`, "M"), sizeColour(`new-${tag}`, "L")]),
      ),
    );
    expect(twice).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field: "variants[2].sku" });
    expect(twice.message).toContain("variants[0].sku");
    const sameValues = await rejection(
      service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S", "Red"), sizeColour(`B-${tag}`, "s", "réd")])),
    );
    expect(sameValues).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INVALID_INPUT",
      field: "variants[1].options",
    });
    expect(await variantCount()).toBe(before);
  });

  it("regression (nu17 10b): all variants of a product name the same options, but an old-way default naming none", async () => {
    const before = await variantCount();
    const tag = newId().slice(-12).toUpperCase();
    const mismatch = await rejection(
      service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S", "red"), sizeColour(`B-${tag}`, "M")])),
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
        service.addVariant({ productId: product.id, variant: { ...sizeColour(`C-${tag}`, "M"), options } }),
      );
      expect(refused).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field: "variant.options" });
    }
    // Compared as search folds them: "SIZE" and "Colour" in another case and with an accent are the same names.
    const folded = await service.addVariant({
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
      service.updateVariant({ id: folded.variant.id, options: [{ name: "Size", value: "L" }] }),
    );
    expect(await changed).toMatchObject({ code: "INVALID_ARGUMENT", field: "options" });
    // A product created the old way takes variants with options beside its default, which names none.
    const mug = await service.createProduct({ ...tShirtInput([]), variants: undefined, priceCents: 5 });
    await service.addVariant({ productId: mug.id, variant: sizeColour(`E-${tag}`, "L") });
    const other = rejection(service.addVariant({ productId: mug.id, variant: sizeColour(`F-${tag}`, "XL", "red") }));
    expect(await other).toMatchObject({ field: "variant.options" });
    expect(await variantCount()).toBe(before + 1 + 1 + 1 + 1);
  });

  it("regression (nu17 7): an attribute may not share a name with a variant option, so search filters only options", async () => {
    const tag = newId().slice(-12).toUpperCase();
    const product = await createTShirt(["S"], ["red"]);
    const shadowing = rejection(
      service.updateProduct({
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
      service.createProduct(tShirtInput([sizeColour(`A-${tag}`, "S", "red")], [{ name: "Sïze", value: "big" }])),
    );
    expect(await created).toMatchObject({ code: "INVALID_ARGUMENT", field: "attributes[0].name" });
    // An option may not shadow an attribute either: a product created the old way with attributes, then a variant.
    const mug = await service.createProduct({
      ...tShirtInput([], [{ name: "Material", value: "Clay" }]),
      variants: undefined,
    });
    const shadowed = rejection(
      service.addVariant({
        productId: mug.id,
        variant: { ...sizeColour(`B-${tag}`, "L"), options: [{ name: "material", value: "steel" }] },
      }),
    );
    expect(await shadowed).toMatchObject({ code: "INVALID_ARGUMENT", field: "variant.options[0].name" });
    const renamed = rejection(service.updateVariant({ id: mug.id, options: [{ name: "Material", value: "steel" }] }));
    expect(await renamed).toMatchObject({ code: "INVALID_ARGUMENT", field: "options[0].name" });
    const other = await service.updateProduct({ id: product.id, attributes: [{ name: "Brand", value: "Acme" }] });
    expect(other.attributes).toEqual([{ name: "Brand", value: "Acme" }]);
  });

  it("race: an attribute and a variant option of one name written at once: exactly one of each pair wins", async () => {
    const tag = newId().slice(-12).toUpperCase();
    const mugs = await Promise.all(
      Array.from({ length: 10 }, () => service.createProduct({ ...tShirtInput([]), variants: undefined })),
    );
    const attempts = await Promise.all(
      mugs.map((mug, index) =>
        Promise.allSettled([
          service.updateProduct({ id: mug.id, attributes: [{ name: "Colour", value: "green" }] }),
          service.addVariant({
            productId: mug.id,
            variant: { ...sizeColour(`R-${index}-${tag}`, ""), options: [{ name: "colour", value: "red" }] },
          }),
        ]),
      ),
    );
    for (const [index, pair] of attempts.entries()) {
      expect(pair.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
      const stored = await service.getProduct(mugs[index]!.id);
      const shadowing = stored.attributes.length > 0 && stored.variants.some((variant) => variant.options.length > 0);
      expect(shadowing).toBe(false);
    }
  });

  const search = (options: Array<{ name: string; values: string[] }>, query = "") =>
    service.searchProducts({
      query,
      categoryIds: [],
      inStockOnly: false,
      options,
      sort: "unspecified",
      skip: 0,
      take: 0,
    });

  it("issue 17: finds the T-shirt by colour as typed, in any case or with accents, with option facets", async () => {
    const shirt = await service.createProduct({
      name: "Findable tee",
      description: "Cotton",
      priceCents: 0,
      currency: "",
      categoryId: "",
      stock: 0,
      variants: ["S", "M", "L"].flatMap((size) =>
        ["Crème", "Navy"].map((colour) => ({
          sku: `FT-${newId().slice(-12)}`,
          options: [
            { name: "Size", value: size },
            { name: "Colour", value: colour },
          ],
          priceCents: 2000,
          currency: "",
          stock: 3,
        })),
      ),
    });
    for (const options of [
      [{ name: "Colour", values: ["Crème"] }],
      [{ name: "COLOUR", values: ["creme", "purple"] }],
      [
        { name: "colour", values: ["CRÈME"] },
        { name: "size", values: ["m"] },
      ],
    ]) {
      const found = await search(options, "findable");
      expect(found.products.map((product) => product.id)).toEqual([shirt.id]);
    }
    expect((await search([{ name: "Colour", values: ["red"] }], "findable")).totalCount).toBe(0);
    const facets = (await search([{ name: "Colour", values: ["navy"] }], "findable")).optionFacets;
    expect(facets).toEqual([
      { name: "colour", value: "creme", count: 1 },
      { name: "colour", value: "navy", count: 1 },
      { name: "size", value: "l", count: 1 },
      { name: "size", value: "m", count: 1 },
      { name: "size", value: "s", count: 1 },
    ]);
  });

  it("refuses bad option filters with code, reason and field", async () => {
    const cases: Array<[Array<{ name: string; values: string[] }>, string, string?]> = [
      [[{ name: "", values: ["red"] }], "options[0].name"],
      [[{ name: "x".repeat(51), values: ["red"] }], "options[0].name"],
      [[{ name: "a=b", values: ["red"] }], "options[0].name"],
      [[{ name: "Colour", values: [] }], "options[0].values"],
      [[{ name: "Colour", values: ["red", ""] }], "options[0].values[1]"],
      [[{ name: "Colour", values: ["x".repeat(101)] }], "options[0].values[0]"],
      [
        [{ name: "Colour", values: Array.from({ length: 51 }, (_, i) => `c${i}`) }],
        "options[0].values",
        "LIMIT_EXCEEDED",
      ],
      [Array.from({ length: 11 }, (_, i) => ({ name: `o${i}`, values: ["x"] })), "options", "LIMIT_EXCEEDED"],
      [
        [
          { name: "Colour", values: ["red"] },
          { name: "COLOUR", values: ["blue"] },
        ],
        "options[1].name",
      ],
    ];
    for (const [options, field, reason] of cases) {
      const refused = await rejection(search(options));
      expect(refused, field).toMatchObject({ code: "INVALID_ARGUMENT", field, ...(reason ? { reason } : {}) });
    }
  });

  it("writes one stock_changed event per variant moved, naming the variant, its SKU and both stocks", async () => {
    const product = await createTShirt(["S", "M"], ["red"], () => 5);
    const [small, medium] = product.variants;
    const orderId = newId();
    await service.reserveStock({
      orderId,
      lines: [
        { productId: product.id, variantId: small!.id, quantity: 2 },
        { productId: product.id, variantId: medium!.id, quantity: 1 },
      ],
    });
    await service.adjustStock({ productId: product.id, variantId: medium!.id, delta: 4 });
    const events = (
      await test.database.query<{ body: string; aggregate_id: string }>(
        "SELECT body, aggregate_id FROM event_outbox WHERE aggregate_id = $1 AND subject = $2 ORDER BY id",
        [product.id, "polyscale.product.stock_changed"],
      )
    ).rows.map((row) => JSON.parse(row.body) as { subject: string; data: Record<string, unknown> });
    expect(events.map((event) => event.subject)).toEqual([product.id, product.id, product.id]);
    const byVariant = (id: string) => events.filter((event) => event.data.variantId === id).map((e) => e.data);
    expect(byVariant(small!.id)).toEqual([
      expect.objectContaining({ sku: small!.sku, variantStock: 3, delta: -2, cause: "reserved", orderId }),
    ]);
    expect(byVariant(medium!.id)).toEqual([
      expect.objectContaining({ sku: medium!.sku, variantStock: 4, delta: -1, cause: "reserved" }),
      expect.objectContaining({ sku: medium!.sku, variantStock: 8, stock: 11, delta: 4, cause: "adjusted" }),
    ]);
    // Both reservation events carry the product's stock after the statement: 10 - 3.
    expect(events.slice(0, 2).map((event) => event.data.stock)).toEqual([7, 7]);
  });
});
