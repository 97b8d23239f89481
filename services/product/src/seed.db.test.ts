import { databaseBackends, type TestDatabase } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as repository from "./repository.js";
import type { ProductService, SearchInput } from "./service.js";
import { openProductService } from "./test-product-service.js";

describe.each(databaseBackends())("emptying the catalogue (npm run seed -- --reset) on $name", (backend) => {
  let test: TestDatabase;
  let service: ProductService;

  beforeAll(async () => {
    ({ test, service } = await openProductService(backend));
  });
  afterAll(async () => {
    await test?.close();
  });

  const browse = (input: Partial<SearchInput> = {}) =>
    service.searchProducts({
      query: "",
      categoryIds: [],
      inStockOnly: false,
      sort: "unspecified",
      skip: 0,
      take: 50,
      ...input,
    });
  const fill = async (count: number) => {
    const category = await service.createCategory({ name: `Lamps ${count}`, slug: "", parentId: "" });
    for (let i = 0; i < count; i++) {
      await service.createProduct({
        name: `Lamp ${count}-${i}`,
        description: "",
        priceCents: 1500,
        currency: "USD",
        categoryId: category.id,
        stock: 1,
      });
    }
    return category;
  };

  it("regression: a reset leaves no stale browse counts (totals of 200 over 100 products, pages past the end empty)", async () => {
    await fill(4);
    expect((await browse()).totalCount).toBe(4);

    await repository.emptyCatalogue(test.database);
    const category = await fill(2);

    const page = await browse();
    expect(page.products).toHaveLength(2);
    expect(page.totalCount).toBe(2);
    expect(page.categoryFacets.map((facet) => [facet.categoryId, facet.count])).toEqual([[category.id, 2]]);
    expect((await browse({ categoryIds: [category.id] })).totalCount).toBe(2);
  });
});
