import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService, validProduct } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService catalog on $name", (backend) => {
  const bed = useProductService(backend);
  const count = async (table: "products" | "categories") =>
    (await bed.database.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`)).rows[0]!.count;

  it("creates a product with the default currency and trimmed text, and reads it back", async () => {
    const created = await bed.service.createProduct({ ...validProduct, name: "  Desk Lamp  " });
    expect(created).toMatchObject({ name: "Desk Lamp", priceCents: 2999, currency: "USD", categoryId: null, stock: 4 });
    expect(await bed.service.getProduct(created.id)).toEqual(created);
  });

  it.each([
    ["name", { name: "   " }],
    ["name", { name: "x".repeat(201) }],
    ["description", { description: "x".repeat(10_001) }],
    ["priceCents", { priceCents: -1 }],
    ["priceCents", { priceCents: 1.5 }],
    ["currency", { currency: "dollars" }],
    ["categoryId", { categoryId: "not-an-id" }],
    ["stock", { stock: -3 }],
  ])("refuses a product with a bad %s and writes nothing", async (field, override) => {
    const before = await count("products");
    const error = await rejection(bed.service.createProduct({ ...validProduct, ...override }));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", field });
    expect(await count("products")).toBe(before);
  });

  it("refuses a product in a category that does not exist", async () => {
    const before = await count("products");
    const error = await rejection(bed.service.createProduct({ ...validProduct, categoryId: newId() }));
    expect(error).toMatchObject({ code: "NOT_FOUND", field: "categoryId" });
    expect(await count("products")).toBe(before);
  });

  it("answers NOT_FOUND for an unknown product id and INVALID_ARGUMENT for a malformed one", async () => {
    expect(await rejection(bed.service.getProduct(newId()))).toMatchObject({ code: "NOT_FOUND", field: "id" });
    expect(await rejection(bed.service.getProduct("42"))).toMatchObject({ code: "INVALID_ARGUMENT", field: "id" });
    expect(await rejection(bed.service.updateProduct({ id: newId(), name: "x" }))).toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("updates only the fields that are set, and removes the category with an empty string", async () => {
    const category = await bed.service.createCategory({ name: "Lighting", slug: "", parentId: "" });
    const created = await bed.service.createProduct({ ...validProduct, categoryId: category.id });
    const renamed = await bed.service.updateProduct({ id: created.id, name: "Floor Lamp", currency: "eur" });
    expect(renamed).toMatchObject({
      name: "Floor Lamp",
      description: created.description,
      priceCents: 2999,
      currency: "EUR",
      categoryId: category.id,
      stock: 4,
    });
    expect(renamed.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    const uncategorised = await bed.service.updateProduct({ id: created.id, categoryId: "" });
    expect(uncategorised.categoryId).toBeNull();
    expect(uncategorised.name).toBe("Floor Lamp");
  });

  it("refuses a bad update and leaves the product unchanged", async () => {
    const created = await bed.service.createProduct(validProduct);
    const error = await rejection(bed.service.updateProduct({ id: created.id, name: "ok", priceCents: -5 }));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", field: "priceCents" });
    expect(await rejection(bed.service.updateProduct({ id: created.id, categoryId: newId() }))).toMatchObject({
      code: "NOT_FOUND",
      field: "categoryId",
    });
    expect(await bed.service.getProduct(created.id)).toEqual(created);
  });

  it("gets many products in request order, leaving out unknown ids and repeats", async () => {
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map((n) => bed.service.createProduct({ ...validProduct, name: `Lamp ${n}` })),
    );
    const found = await bed.service.getProducts([c!.id, newId(), a!.id, c!.id, b!.id]);
    expect(found.map((product) => product.name)).toEqual(["Lamp 3", "Lamp 1", "Lamp 2"]);
    const tooMany = Array.from({ length: 1001 }, () => newId());
    expect(await rejection(bed.service.getProducts(tooMany))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "ids",
    });
  });

  it("lists products newest first in pages that do not overlap", async () => {
    const all = await bed.service.listProducts({ skip: 0, take: 100 });
    expect(all.length).toBeGreaterThan(3);
    // Timestamps reach JavaScript in milliseconds, the database orders by microseconds: compare only what is seen.
    for (let index = 1; index < all.length; index++) {
      expect(all[index - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(all[index]!.createdAt.getTime());
    }
    const first = await bed.service.listProducts({ skip: 0, take: 2 });
    const second = await bed.service.listProducts({ skip: 2, take: 2 });
    expect([...first, ...second].map((product) => product.id)).toEqual(all.slice(0, 4).map((product) => product.id));
    expect(await rejection(bed.service.listProducts({ skip: -1, take: 0 }))).toMatchObject({ field: "skip" });
  });

  it("issue 17: sets attributes on create and update, returns them by name, and searches them as option values", async () => {
    const created = await bed.service.createProduct({
      ...validProduct,
      name: "Attribute kettle",
      attributes: [
        { name: "Material", value: "Steel" },
        { name: "Brand", value: "Acmé" },
      ],
    });
    expect(created.attributes).toEqual([
      { name: "Brand", value: "Acmé" },
      { name: "Material", value: "Steel" },
    ]);
    const search = (options: Array<{ name: string; values: string[] }>) =>
      bed.service.searchProducts({
        query: "attribute",
        categoryIds: [],
        inStockOnly: false,
        options,
        skip: 0,
        take: 0,
      });
    expect((await search([{ name: "BRAND", values: ["acme"] }])).products.map((product) => product.id)).toEqual([
      created.id,
    ]);
    expect((await search([])).optionFacets).toEqual([
      { name: "brand", value: "acme", count: 1 },
      { name: "material", value: "steel", count: 1 },
    ]);

    const updated = await bed.service.updateProduct({
      id: created.id,
      attributes: [{ name: "Material", value: "Copper" }],
    });
    expect(updated.attributes).toEqual([{ name: "Material", value: "Copper" }]);
    expect((await search([{ name: "brand", values: ["acme"] }])).totalCount).toBe(0);
    expect((await bed.service.updateProduct({ id: created.id, name: "Attribute kettle 2" })).attributes).toEqual(
      updated.attributes,
    );
  });

  it("refuses bad attributes naming the field, writing nothing", async () => {
    const existing = await bed.service.createProduct({
      ...validProduct,
      attributes: [{ name: "Brand", value: "Acme" }],
    });
    const before = await count("products");
    const cases: Array<[Array<{ name: string; value: string }>, string, string?]> = [
      [[{ name: "", value: "x" }], "attributes[0].name"],
      [[{ name: "a=b", value: "x" }], "attributes[0].name"],
      [[{ name: "Brand", value: "" }], "attributes[0].value"],
      [[{ name: "Brand", value: "x".repeat(101) }], "attributes[0].value"],
      // The entry at fault is named by its index (README: attributes[0].value), the later of two of one name.
      [
        [
          { name: "Brand", value: "a" },
          { name: "Material", value: "x".repeat(101) },
        ],
        "attributes[1].value",
      ],
      [
        [
          { name: "Brand", value: "a" },
          { name: "", value: "x" },
        ],
        "attributes[1].name",
      ],
      [
        [
          { name: "Brand", value: "a" },
          { name: "BRAND", value: "b" },
        ],
        "attributes[1].name",
      ],
      [Array.from({ length: 31 }, (_, i) => ({ name: `a${i}`, value: "x" })), "attributes", "LIMIT_EXCEEDED"],
    ];
    for (const [attributes, field, reason] of cases) {
      const refused = await rejection(bed.service.createProduct({ ...validProduct, attributes }));
      expect(refused, field).toMatchObject({ code: "INVALID_ARGUMENT", field, ...(reason ? { reason } : {}) });
      const changed = await rejection(bed.service.updateProduct({ id: existing.id, attributes }));
      expect(changed, field).toMatchObject({ code: "INVALID_ARGUMENT", field, ...(reason ? { reason } : {}) });
    }
    expect(await count("products")).toBe(before);
    expect((await bed.service.getProduct(existing.id)).attributes).toEqual(existing.attributes);
  });
});
