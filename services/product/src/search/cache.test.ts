import { describe, expect, it } from "vitest";
import { searchCacheKey } from "./cache.js";
import { searchQuery as query } from "./test-search-query.js";

describe("searchCacheKey", () => {
  it("is the same for text the engine reads alike: case, Unicode form, repeated and leading spaces, category order", () => {
    const key = searchCacheKey(query({ text: "Café  crème", categoryIds: ["b", "a"] }));
    expect(searchCacheKey(query({ text: " CAFE\u0301 crème", categoryIds: ["a", "b"] }))).toBe(key);
    const colourAndSize = [
      { name: "colour", values: ["red", "blue"] },
      { name: "size", values: ["m"] },
    ];
    expect(searchCacheKey(query({ options: colourAndSize }))).toBe(
      searchCacheKey(query({ options: [colourAndSize[1]!, { name: "colour", values: ["blue", "red"] }] })),
    );
  });

  it("differs when the engine would answer differently: a finished last word, any filter, sort or page", () => {
    const key = searchCacheKey(query({ text: "lamp" }));
    const others = [
      query({ text: "lamp " }),
      query({ text: "lamps" }),
      query({ text: "lamp", categoryIds: ["a"] }),
      query({ text: "lamp", currency: "EUR" }),
      query({ text: "lamp", minPriceCents: 0 }),
      query({ text: "lamp", maxPriceCents: 100 }),
      query({ text: "lamp", inStockOnly: true }),
      query({ text: "lamp", options: [{ name: "colour", values: ["red"] }] }),
      query({ text: "lamp", options: [{ name: "colour", values: ["red", "blue"] }] }),
      query({ text: "lamp", sort: "newest" }),
      query({ text: "lamp", skip: 20 }),
      query({ text: "lamp", take: 10 }),
    ];
    const keys = new Set(others.map(searchCacheKey));
    expect(keys.size).toBe(others.length);
    expect(keys.has(key)).toBe(false);
  });
});
