import { beforeEach, describe, expect, it } from "vitest";
import { PRODUCT_INDEX_MAPPINGS, toProductDocument } from "./elasticsearch-index.js";
import { ElasticsearchEngine } from "./elasticsearch.js";
import { mockElasticsearchClient, type ClientMock, type MockPattern } from "./test-mock-elasticsearch.js";
import type { Product } from "../model.js";
import { EXACT_COUNT_LIMIT, OPTION_FACET_LIMIT, type SearchQuery } from "./search-engine.js";

const SHOES = "0193a0a0-0000-7000-8000-000000000001";
const HATS = "0193a0a0-0000-7000-8000-000000000002";

/** Stands in for the database: a product for every id asked, in the order asked. */
function loadProducts(ids: string[]): Promise<Product[]> {
  const createdAt = new Date("2026-01-02T03:04:05.000Z");
  return Promise.resolve(
    ids.map((id) => ({
      id,
      name: `Product ${id}`,
      description: "",
      priceCents: 1_500,
      currency: "USD",
      categoryId: SHOES,
      stock: 1,
      variants: [],
      createdAt,
      updatedAt: createdAt,
      archivedAt: null,
      images: [],
      attributes: [],
    })),
  );
}

/** The value at a path of keys and indexes into a request body, or undefined where the body has no such path. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      typeof node === "object" && node !== null ? (node as Record<string | number, unknown>)[key] : undefined,
    value,
  );
}

function mockedEngine(): { engine: ElasticsearchEngine; mock: ClientMock } {
  const { client, mock } = mockElasticsearchClient();
  return { engine: new ElasticsearchEngine({ client, index: "products", loadProducts }), mock };
}

const query: SearchQuery = {
  text: "wirless mouse",
  categoryIds: [SHOES, HATS],
  currency: "USD",
  minPriceCents: 1_000,
  maxPriceCents: 4_999,
  inStockOnly: true,
  options: [],
  sort: "price_asc",
  skip: 20,
  take: 10,
};

const searchResponse = {
  took: 3,
  timed_out: false,
  _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
  hits: {
    total: { value: 42, relation: "eq" },
    max_score: null,
    hits: [
      { _index: "products-1", _id: "p-cheap", _score: null, sort: [1500, "p-cheap"] },
      { _index: "products-1", _id: "p-dear", _score: null, sort: [4000, "p-dear"] },
    ],
  },
  aggregations: {
    categories: {
      doc_count: 42,
      ids: {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: 0,
        buckets: [
          { key: SHOES, doc_count: 30 },
          { key: HATS, doc_count: 12 },
        ],
      },
    },
    prices: {
      doc_count: 53,
      buckets: {
        buckets: [
          { key: "0.0-1000.0", from: 0, to: 1000, doc_count: 7 },
          { key: "1000.0-2500.0", from: 1000, to: 2500, doc_count: 25 },
          { key: "2500.0-5000.0", from: 2500, to: 5000, doc_count: 17 },
          { key: "5000.0-10000.0", from: 5000, to: 10000, doc_count: 0 },
          { key: "10000.0-25000.0", from: 10000, to: 25000, doc_count: 3 },
          { key: "25000.0-50000.0", from: 25000, to: 50000, doc_count: 0 },
          { key: "50000.0-*", from: 50000, doc_count: 1 },
        ],
      },
    },
  },
};

describe("ElasticsearchEngine.search", () => {
  let engine: ElasticsearchEngine;
  let requests: MockPattern[];

  beforeEach(() => {
    const mocked = mockedEngine();
    engine = mocked.engine;
    requests = [];
    mocked.mock.add({ method: "POST", path: "/products/_search" }, (request: MockPattern) => {
      requests.push(request);
      return searchResponse;
    });
  });

  it("sends a fuzzy, boosted text query with prefix matching, filters in filter context, sort and paging", async () => {
    await engine.search(query);
    expect(requests).toHaveLength(1);
    const body = requests[0]!.body;

    const should = at(body, "query", "bool", "must", "bool", "should");
    expect(at(should, 0, "multi_match")).toEqual({
      query: "wirless mouse",
      fields: ["name^3", "categoryName^2", "description"],
      fuzziness: "AUTO",
      operator: "and",
    });
    expect(at(should, 1, "multi_match", "type")).toBe("bool_prefix");
    expect(at(should, 1, "multi_match", "fields")).toContain("name.prefix^3");
    expect(at(should, 1, "multi_match", "fields")).toContain("name.prefix._2gram^3");
    expect(at(should, 1, "multi_match", "fields")).toContain("categoryName.prefix._3gram^2");
    expect(Array.isArray(should) && should.slice(2)).toEqual([
      { match: { "name.exact": { query: "wirless mouse", boost: 10 } } },
      { match_phrase: { name: { query: "wirless mouse", boost: 3 } } },
    ]);
    expect(at(body, "query", "bool", "must", "bool", "minimum_should_match")).toBe(1);

    expect(at(body, "query", "bool", "filter")).toEqual([{ term: { inStock: true } }]);
    // Category and price narrow the hits after aggregating, and each facet re-applies only the other one's filter.
    const categoryFilter = { terms: { categoryId: [SHOES, HATS] } };
    // Price bounds are in the query's currency: other currencies' products are outside them.
    const usd = { term: { currency: "USD" } };
    const priceFilter = { bool: { filter: [usd, { range: { priceCents: { gte: 1_000, lte: 4_999 } } }] } };
    expect(at(body, "post_filter")).toEqual({ bool: { filter: [categoryFilter, priceFilter] } });
    expect(at(body, "aggregations", "categories", "filter")).toEqual({ bool: { filter: [priceFilter] } });
    expect(at(body, "aggregations", "categories", "aggregations", "ids", "terms")).toEqual({
      field: "categoryId",
      size: 1_000,
      order: [{ _count: "desc" }, { _key: "asc" }],
    });
    expect(at(body, "aggregations", "prices", "filter")).toEqual({ bool: { filter: [categoryFilter, usd] } });
    expect(at(body, "aggregations", "prices", "aggregations", "buckets", "range")).toEqual({
      field: "priceCents",
      ranges: [
        { from: 0, to: 1_000 },
        { from: 1_000, to: 2_500 },
        { from: 2_500, to: 5_000 },
        { from: 5_000, to: 10_000 },
        { from: 10_000, to: 25_000 },
        { from: 25_000, to: 50_000 },
        { from: 50_000 },
      ],
    });

    expect(at(body, "sort")).toEqual([
      { currency: { order: "asc" } },
      { priceCents: { order: "asc" } },
      { id: { order: "asc" } },
    ]);
    expect(at(body, "from")).toBe(20);
    expect(at(body, "size")).toBe(10);
    expect(at(body, "track_total_hits")).toBe(EXACT_COUNT_LIMIT);
  });

  it("matches everything for empty text and filters nothing when no filter is given", async () => {
    await engine.search({
      ...query,
      text: "  ",
      categoryIds: [],
      inStockOnly: false,
      minPriceCents: undefined,
      maxPriceCents: undefined,
    });
    const body = requests[0]!.body;
    expect(at(body, "query")).toEqual({ bool: { must: { match_all: {} }, filter: [] } });
    expect(at(body, "post_filter")).toEqual({ bool: { filter: [{ match_all: {} }, { match_all: {} }] } });
    expect(at(body, "aggregations", "categories", "filter")).toEqual({ bool: { filter: [{ match_all: {} }] } });
    expect(at(body, "aggregations", "prices", "filter")).toEqual({
      bool: { filter: [{ match_all: {} }, { term: { currency: "USD" } }] },
    });
  });

  it("applies a one-sided price bound", async () => {
    await engine.search({ ...query, minPriceCents: undefined, maxPriceCents: 999 });
    const body = requests[0]!.body;
    expect(at(body, "aggregations", "categories", "filter")).toEqual({
      bool: {
        filter: [{ bool: { filter: [{ term: { currency: "USD" } }, { range: { priceCents: { lte: 999 } } }] } }],
      },
    });
  });

  it.each([
    ["relevance", [{ _score: { order: "desc" } }, { id: { order: "desc" } }]],
    ["price_asc", [{ currency: { order: "asc" } }, { priceCents: { order: "asc" } }, { id: { order: "asc" } }]],
    ["price_desc", [{ currency: { order: "desc" } }, { priceCents: { order: "desc" } }, { id: { order: "desc" } }]],
    ["newest", [{ createdAt: { order: "desc" } }, { id: { order: "desc" } }]],
  ] as const)("sorts by %s with the id breaking ties", async (sort, expected) => {
    await engine.search({ ...query, sort });
    expect(at(requests[0]!.body, "sort")).toEqual(expected);
  });

  it("maps hits (loaded from the database in hit order), the total and the facet buckets to a SearchResult", async () => {
    expect(await engine.search(query)).toEqual({
      products: await loadProducts(["p-cheap", "p-dear"]),
      totalCount: 42,
      totalCountIsExact: true,
      categoryFacets: [
        { categoryId: SHOES, count: 30 },
        { categoryId: HATS, count: 12 },
      ],
      priceFacets: [
        { minCents: 0, maxCents: 1_000, count: 7 },
        { minCents: 1_000, maxCents: 2_500, count: 25 },
        { minCents: 2_500, maxCents: 5_000, count: 17 },
        { minCents: 5_000, maxCents: 10_000, count: 0 },
        { minCents: 10_000, maxCents: 25_000, count: 3 },
        { minCents: 25_000, maxCents: 50_000, count: 0 },
        { minCents: 50_000, count: 1 },
      ],
      optionFacets: [],
      optionFacetsAreExact: true,
    });
  });

  it("filters by options in the post filter, and counts each filtered option without its own filter", async () => {
    const colour = { terms: { optionKeys: ["colour=red", "colour=blue"] } };
    const size = { terms: { optionKeys: ["size=l"] } };
    const options = [
      { name: "colour", values: ["red", "blue"] },
      { name: "size", values: ["l"] },
    ];
    const facets = (buckets: Array<[string, number]>) => ({
      doc_count: 9,
      keys: { buckets: buckets.map(([key, count]) => ({ key, doc_count: count })) },
    });
    const { engine, mock } = mockedEngine();
    const sent: MockPattern[] = [];
    mock.add({ method: "POST", path: "/products/_search" }, (request: MockPattern) => {
      sent.push(request);
      return {
        ...searchResponse,
        aggregations: {
          ...searchResponse.aggregations,
          // All filters: the options not filtered on (colour and size keys here are left out).
          options: facets([
            ["material=wool", 3],
            ["colour=red", 1],
            ["size=l", 1],
          ]),
          // Without the colour filter: its colour keys count; the size keys are another aggregation's.
          options_0: facets([
            ["colour=green", 4],
            ["colour=red", 2],
            ["size=s", 9],
          ]),
          options_1: facets([
            ["size=m", 5],
            ["size=l", 1],
            ["colour=red", 7],
          ]),
        },
      };
    });

    const result = await engine.search({ ...query, options });
    const body = sent[0]!.body;
    const categoryFilter = { terms: { categoryId: [SHOES, HATS] } };
    const priceFilter = at(body, "post_filter", "bool", "filter", 1);
    expect(at(body, "post_filter")).toEqual({ bool: { filter: [categoryFilter, priceFilter, colour, size] } });
    expect(at(body, "aggregations", "categories", "filter")).toEqual({ bool: { filter: [priceFilter, colour, size] } });
    const terms = { field: "optionKeys", size: OPTION_FACET_LIMIT, order: [{ _count: "desc" }, { _key: "asc" }] };
    for (const [name, filters] of [
      ["options", [colour, size]],
      ["options_0", [size]],
      ["options_1", [colour]],
    ] as const) {
      expect(at(body, "aggregations", name)).toEqual({
        filter: { bool: { filter: [categoryFilter, priceFilter, ...filters] } },
        aggregations: { keys: { terms } },
      });
    }
    expect(result.optionFacets).toEqual([
      { name: "colour", value: "green", count: 4 },
      { name: "colour", value: "red", count: 2 },
      { name: "material", value: "wool", count: 3 },
      { name: "size", value: "m", count: 5 },
      { name: "size", value: "l", count: 1 },
    ]);
  });
});

describe("ElasticsearchEngine.search beyond the exact count limit", () => {
  it("reports the total as not exact when Elasticsearch only counted a lower bound", async () => {
    const { engine, mock } = mockedEngine();
    mock.add({ method: "POST", path: "/products/_search" }, () => ({
      ...searchResponse,
      hits: { ...searchResponse.hits, total: { value: EXACT_COUNT_LIMIT, relation: "gte" } },
    }));
    const result = await engine.search(query);
    expect(result.totalCount).toBe(EXACT_COUNT_LIMIT);
    expect(result.totalCountIsExact).toBe(false);
  });
});

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
