import { describe, expect, it } from "vitest";
import { SearchSort } from "@polyscale/proto/product/v1/product";
import { buildQueryMix, nextSearch, SEARCH_KINDS, searchPath, typoOf, wordsOf } from "./search.js";

describe("wordsOf", () => {
  it("keeps distinct lowercase words of four letters or more", () => {
    expect(wordsOf("Sturdy Oak Desk, oak-veneer DESK 120cm")).toEqual(["sturdy", "desk", "veneer"]);
  });
});

describe("typoOf", () => {
  it("swaps two neighbouring letters in the middle, or from a given position", () => {
    expect(typoOf("shoes")).toBe("sohes");
    expect(typoOf("lamp")).toBe("lmap");
    expect(typoOf("running")).toBe("runinng");
    expect(typoOf("aaaa")).toBe("aaaa");
    expect(typoOf("running", 0)).toBe("urnning");
    expect(typoOf("running", 9)).toBe("runnign");
  });
});

describe("buildQueryMix and nextSearch", () => {
  const words = [
    { word: "never", matches: 0 },
    { word: "walnut", matches: 3 },
    { word: "chair", matches: 900 },
    { word: "ergonomic", matches: 40 },
  ];

  it("takes the rarest and the commonest words that match anything, and the distinct categories", () => {
    const mix = buildQueryMix(words, ["c1", "", "c2", "c1"]);
    expect(mix.rare).toEqual(["walnut", "ergonomic", "chair"]);
    expect(mix.common).toEqual(["chair", "ergonomic", "walnut"]);
    expect(mix.categoryIds).toEqual(["c1", "c2"]);
  });

  it("generates every kind in turn, each request unlike any other, from the mix's words and categories", () => {
    const mix = buildQueryMix(words, ["c1", "c2"]);
    const generated = Array.from({ length: 800 }, () => nextSearch(mix));
    expect(generated.slice(0, SEARCH_KINDS.length).map((search) => search.kind)).toEqual([...SEARCH_KINDS]);
    const keys = generated.map((search) => JSON.stringify(search.request));
    expect(new Set(keys).size).toBe(keys.length);
    const vocabulary = [...mix.rare, ...mix.common];
    for (const { kind, request } of generated) {
      expect(request.maxPriceCents).toBeGreaterThan(0);
      for (const id of request.categoryIds) expect(mix.categoryIds).toContain(id);
      if (kind === "browse") expect(request.query).toBe("");
      if (kind === "prefix") expect(mix.common.some((word) => word.startsWith(request.query))).toBe(true);
      if (kind === "typo") expect(vocabulary).not.toContain(request.query);
      if (kind === "twoWords") expect(request.query.split(" ")).toHaveLength(2);
      if (kind === "filtered") expect(request.inStockOnly).toBe(true);
      if (kind === "faceted") expect(request.categoryIds).toHaveLength(1);
    }
  });
});

describe("searchPath", () => {
  it("asks the gateway's REST search for the request: text, categories, cent bounds, stock, sort and page", () => {
    const path = searchPath({
      query: "café crème",
      categoryIds: ["c1", "c2"],
      minPriceCents: 1_000,
      maxPriceCents: 1_000_000_007,
      inStockOnly: true,
      options: [],
      sort: SearchSort.SEARCH_SORT_NEWEST,
      skip: 0,
      take: 20,
    });
    const url = new URL(path, "http://gateway");
    expect(url.pathname).toBe("/products");
    expect(url.searchParams.get("q")).toBe("café crème");
    expect(url.searchParams.getAll("category")).toEqual(["c1", "c2"]);
    expect(url.searchParams.get("minPrice")).toBe("1000");
    expect(url.searchParams.get("maxPrice")).toBe("1000000007");
    expect(url.searchParams.get("inStock")).toBe("true");
    expect(url.searchParams.get("sort")).toBe("newest");
    expect(url.searchParams.get("take")).toBe("20");
  });

  it("leaves out what the request leaves open: no text when browsing, default sort, no bounds", () => {
    const url = new URL(
      searchPath({ query: "", categoryIds: [], inStockOnly: false, options: [], sort: 0, skip: 40, take: 20 }),
      "http://gateway",
    );
    expect([...url.searchParams.keys()]).toEqual(["skip", "take"]);
    expect(url.searchParams.get("skip")).toBe("40");
  });
});
