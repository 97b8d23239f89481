import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService, validProduct } from "../test-product-service.js";

describe.each(databaseBackends())("ProductService search on $name", (backend) => {
  const bed = useProductService(backend);
  const search = (options: Array<{ name: string; values: string[] }>, query = "") => bed.search({ options, query });

  it("searches through the engine and loads current products, validating the request", async () => {
    const created = await bed.service.createProduct({
      ...validProduct,
      name: "Brass Telescope",
      priceCents: 45_000,
    });
    const result = await bed.service.searchProducts({
      query: "telescope",
      categoryIds: [],
      inStockOnly: false,
      skip: 0,
      take: 0,
    });
    expect(result.products).toEqual([created]);
    expect(result.totalCount).toBe(1);
    expect(result.priceFacets.find((facet) => facet.minCents === 25_000)?.count).toBe(1);
    const inverted = bed.service.searchProducts({
      query: "",
      categoryIds: [],
      minPriceCents: 500,
      maxPriceCents: 100,
      inStockOnly: false,
      skip: 0,
      take: 0,
    });
    expect(await rejection(inverted)).toMatchObject({ code: "INVALID_ARGUMENT", field: "maxPriceCents" });
  });

  it("issue 17: finds the T-shirt by colour as typed, in any case or with accents, with option facets", async () => {
    const shirt = await bed.service.createProduct({
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
});
