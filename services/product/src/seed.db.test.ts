import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import * as repository from "./repository.js";
import type { SearchInput } from "./search/search-service.js";
import { useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("emptying the catalogue (npm run seed -- --reset) on $name", (backend) => {
  const bed = useProductService(backend);

  const browse = (input: Partial<SearchInput> = {}) => bed.search({ take: 50, ...input });
  const fill = async (count: number) => {
    const category = await bed.service.createCategory({ name: `Lamps ${count}`, slug: "", parentId: "" });
    for (let i = 0; i < count; i++) {
      await bed.service.createProduct({
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

    await repository.emptyCatalogue(bed.database);
    const category = await fill(2);

    const page = await browse();
    expect(page.products).toHaveLength(2);
    expect(page.totalCount).toBe(2);
    expect(page.categoryFacets.map((facet) => [facet.categoryId, facet.count])).toEqual([[category.id, 2]]);
    expect((await browse({ categoryIds: [category.id] })).totalCount).toBe(2);
  });
});
