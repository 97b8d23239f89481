import { describe, expect, it } from "vitest";
import { PRODUCT_INDEX_MAPPINGS, toProductDocument } from "./elasticsearch-index.js";
import { at, mockedEngine, SHOES, type MockPattern } from "./test-mock-elasticsearch.js";

describe("ElasticsearchEngine.ensureIndex", () => {
  it("creates a physical index with the explicit mapping behind the alias when the name is absent", async () => {
    const { engine, mock } = mockedEngine();
    const created: MockPattern[] = [];
    // No HEAD route: the mock answers 404, as Elasticsearch does for a missing index.
    mock.add({ method: "PUT", path: "/:index" }, (request: MockPattern) => {
      created.push(request);
      return { acknowledged: true, shards_acknowledged: true, index: "x" };
    });

    expect(await engine.ensureIndex()).toBe(true);

    expect(created).toHaveLength(1);
    expect(created[0]!.path).toMatch(/^\/products-\d{8}t\d{9}z$/);
    const body = created[0]!.body;
    expect(at(body, "aliases")).toEqual({ products: {} });
    expect(at(body, "mappings")).toEqual(PRODUCT_INDEX_MAPPINGS);
    expect(at(body, "mappings", "dynamic")).toBe("strict");
    expect(at(body, "mappings", "properties", "name")).toEqual({
      type: "text",
      analyzer: "folded_english",
      fields: {
        prefix: { type: "search_as_you_type", analyzer: "folded" },
        exact: { type: "keyword", normalizer: "folded" },
      },
    });
    // Accents and case folded, English stems without stop words, as the PostgreSQL engine matches.
    expect(at(body, "settings", "analysis", "analyzer", "folded_english", "filter")).toEqual([
      "lowercase",
      "asciifolding",
      "english_stemmer",
    ]);
    expect(at(body, "settings", "analysis", "normalizer", "folded", "filter")).toEqual(["lowercase", "asciifolding"]);
    expect(at(body, "mappings", "properties", "categoryId")).toEqual({ type: "keyword" });
    expect(at(body, "mappings", "properties", "priceCents")).toEqual({ type: "long" });
    expect(at(body, "mappings", "properties", "inStock")).toEqual({ type: "boolean" });
    expect(at(body, "mappings", "properties", "createdAt")).toEqual({ type: "date" });
  });

  it("keeps an existing index, adding the fields the mapping has gained since it was made", async () => {
    const { engine, mock } = mockedEngine();
    let creates = 0;
    const mappings: MockPattern[] = [];
    mock.add({ method: "HEAD", path: "/products" }, () => "");
    mock.add({ method: "PUT", path: "/:index" }, () => {
      creates += 1;
      return { acknowledged: true };
    });
    mock.add({ method: "PUT", path: "/products/_mapping" }, (request: MockPattern) => {
      mappings.push(request);
      return { acknowledged: true };
    });
    expect(await engine.ensureIndex()).toBe(false);
    expect(creates).toBe(0);
    expect(mappings.map((request) => request.body)).toEqual([{ properties: PRODUCT_INDEX_MAPPINGS.properties }]);
    expect(at(mappings[0]!.body, "properties", "optionKeys")).toEqual({ type: "keyword" });
  });
});

describe("ElasticsearchEngine writes", () => {
  const product = {
    id: "0193a0a0-0000-7000-8000-0000000000aa",
    name: "Trail shoe",
    description: "Grippy",
    priceCents: 8_999,
    currency: "EUR",
    categoryId: SHOES,
    stock: 0,
    createdAt: new Date("2026-01-02T03:04:05.000Z"),
    optionKeys: ["colour=red", "size=42"],
  };

  it("bulk-indexes documents by id through the alias and reports the ones refused", async () => {
    const { engine, mock } = mockedEngine();
    const bulks: MockPattern[] = [];
    mock.add({ method: "POST", path: "/products/_bulk" }, (request: MockPattern) => {
      bulks.push(request);
      return {
        errors: true,
        took: 1,
        items: [
          { index: { _index: "products-1", _id: product.id, status: 201, result: "created" } },
          { index: { _index: "products-1", _id: "refused", status: 400, error: { type: "mapper_parsing_exception" } } },
        ],
      };
    });
    const refused = await engine.indexDocuments(
      [toProductDocument(product, "Shoes"), toProductDocument({ ...product, id: "refused" }, "Shoes")],
      { waitForRefresh: true },
    );

    expect(refused).toEqual(["refused"]);
    expect(bulks[0]!.querystring).toMatchObject({ require_alias: "true", refresh: "wait_for" });
    expect(bulks[0]!.body).toEqual([
      { index: { _id: product.id } },
      {
        id: product.id,
        name: "Trail shoe",
        description: "Grippy",
        categoryId: SHOES,
        categoryName: "Shoes",
        priceCents: 8_999,
        currency: "EUR",
        stock: 0,
        inStock: false,
        createdAt: "2026-01-02T03:04:05.000Z",
        optionKeys: ["colour=red", "size=42"],
      },
      { index: { _id: "refused" } },
      expect.objectContaining({ id: "refused" }),
    ]);
  });

  it("treats deleting a document that is not in the index as done", async () => {
    const { engine, mock } = mockedEngine();
    mock.add({ method: "POST", path: "/products/_bulk" }, () => ({
      errors: true,
      took: 1,
      items: [
        { delete: { _index: "products-1", _id: "gone", status: 404, result: "not_found" } },
        {
          delete: { _index: "products-1", _id: "stuck", status: 503, error: { type: "unavailable_shards_exception" } },
        },
      ],
    }));
    expect(await engine.deleteDocuments(["gone", "stuck"])).toEqual(["stuck"]);
  });
});
