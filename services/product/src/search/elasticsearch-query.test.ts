import { describe, expect, it, beforeEach } from "vitest";
import type { ElasticsearchEngine } from "./elasticsearch.js";
import { at, loadProducts, mockedEngine, SHOES, type MockPattern } from "./test-mock-elasticsearch.js";
import type { SearchQuery } from "../model.js";
import { EXACT_COUNT_LIMIT, OPTION_FACET_LIMIT } from "./search-engine.js";

const HATS = "0193a0a0-0000-7000-8000-000000000002";

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
