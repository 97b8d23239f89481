import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService categories on $name", (backend) => {
  const bed = useProductService(backend);
  const count = async (table: "categories") =>
    (await bed.database.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`)).rows[0]!.count;

  it("derives a category slug from the name and refuses a duplicate slug", async () => {
    const category = await bed.service.createCategory({ name: "Garden & Outdoor Café", slug: "", parentId: "" });
    expect(category).toMatchObject({ slug: "garden-and-outdoor-cafe", parentId: null });
    const child = await bed.service.createCategory({ name: "Seeds", slug: "seeds", parentId: category.id });
    expect(child.parentId).toBe(category.id);
    const before = await count("categories");
    const duplicate = await rejection(
      bed.service.createCategory({ name: "Garden", slug: "garden-and-outdoor-cafe", parentId: "" }),
    );
    expect(duplicate).toMatchObject({ code: "ALREADY_EXISTS", field: "slug" });
    const badSlug = bed.service.createCategory({ name: "X", slug: "Not A Slug", parentId: "" });
    expect(await rejection(badSlug)).toMatchObject({ code: "INVALID_ARGUMENT", field: "slug" });
    expect(await rejection(bed.service.createCategory({ name: "Y", slug: "", parentId: newId() }))).toMatchObject({
      code: "NOT_FOUND",
      field: "parentId",
    });
    expect(await count("categories")).toBe(before);
    const slugs = (await bed.service.listCategories()).map((listed) => listed.slug);
    expect(slugs).toEqual(expect.arrayContaining(["garden-and-outdoor-cafe", "seeds"]));
  });

  // Seen: createCategory(name: "Обувь") was refused ("must contain a letter or digit") and Latin names lost letters.
  it("regression: slugs names in any script, keeps Latin letters, and gives an untransliterable name its id", async () => {
    const shoes = await bed.service.createCategory({ name: "Обувь", slug: "", parentId: "" });
    expect(shoes.slug).toBe("obuv");
    expect((await bed.service.createCategory({ name: "Straße Æble", slug: "", parentId: "" })).slug).toBe(
      "strasse-aeble",
    );
    expect((await bed.service.createCategory({ name: "Ελληνικά", slug: "", parentId: "" })).slug).toBe("ellinika");
    // Seen: the digraph "ǅ" lost its letters ("ungla") and fullwidth letters got the id: compatibility forms first.
    expect((await bed.service.createCategory({ name: "ǅungla", slug: "", parentId: "" })).slug).toBe("dzungla");
    expect((await bed.service.createCategory({ name: "Ｆｕｌｌ", slug: "", parentId: "" })).slug).toBe("full");
    const chinese = await bed.service.createCategory({ name: "鞋", slug: "", parentId: "" });
    const hebrew = await bed.service.createCategory({ name: "נעליים", slug: "", parentId: "" });
    const symbols = await bed.service.createCategory({ name: "!!!", slug: "", parentId: "" });
    for (const category of [chinese, hebrew, symbols]) expect(category.slug).toBe(category.id);
    expect(new Set([chinese.slug, hebrew.slug, symbols.slug]).size).toBe(3);
  });
});
