import { describe, expect, it } from "vitest";
import { buildQueryMix, typoOf, wordsOf } from "./search.js";

describe("wordsOf", () => {
  it("keeps distinct lowercase words of four letters or more", () => {
    expect(wordsOf("Sturdy Oak Desk, oak-veneer DESK 120cm")).toEqual(["sturdy", "desk", "veneer"]);
  });
});

describe("typoOf", () => {
  it("swaps two neighbouring letters in the middle", () => {
    expect(typoOf("shoes")).toBe("sohes");
    expect(typoOf("lamp")).toBe("lmap");
    expect(typoOf("running")).toBe("runinng");
    expect(typoOf("aaaa")).toBe("aaaa");
  });
});

describe("buildQueryMix", () => {
  it("takes the rarest and the commonest words that match anything, and builds the other kinds from them", () => {
    const words = [
      { word: "never", matches: 0 },
      { word: "walnut", matches: 3 },
      { word: "chair", matches: 900 },
      { word: "ergonomic", matches: 40 },
    ];
    const mix = buildQueryMix(words);
    const of = (kind: string) => mix.queries.filter((query) => query.kind === kind).map((query) => query.text);
    expect(of("rare")).toEqual(["walnut", "ergonomic", "chair"]);
    expect(of("common")).toEqual(["chair", "ergonomic", "walnut"]);
    expect(of("twoWords")).toEqual(["chair walnut", "walnut chair"]);
    expect(of("prefix")).toEqual(["cha", "erg", "wal"]);
    expect(of("typo")).toEqual(["walnut", "ergonomic", "chair"].map(typoOf));
    expect(mix.queries.some((query) => query.text.includes("never"))).toBe(false);
  });
});
