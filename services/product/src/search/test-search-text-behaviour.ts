import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generalCatalogue } from "./test-search-catalogue.js";
import type { SeededProduct } from "../test-search-seed.js";
import { idsOf, suiteQuery as query, type SearchEngineFixture } from "./test-search-query.js";

/** The behaviour suite's text matching: ranking, prefixes, typos, accents, scripts, stop words, quotes. */
export function describeTextBehaviour(name: string, setup: () => Promise<SearchEngineFixture>): void {
  describe(`quoted titles: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];

    beforeAll(async () => {
      fixture = await setup();
      // Titles that hold the quoted word too, created after "We" (ties would put them first).
      catalog = await fixture.seed([
        { name: "We", description: "A dystopian novel.", priceCents: 1100, stock: 4 },
        { name: "We Three Kings songbook", description: "Carols we sing.", priceCents: 900, stock: 2 },
        { name: "All we need tote", description: "Canvas; we print it.", priceCents: 1500, stock: 9 },
      ]);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("ranks the exact title first when the text is quoted too", async () => {
      for (const text of ['"we"', '"We"', "we"]) {
        const ids = idsOf(await fixture.engine.search(query({ text })));
        expect(catalog.find((product) => product.id === ids[0])?.name, text).toBe("We");
      }
    });
  });

  describe(`text matching: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let catalog: SeededProduct[];
    const namesOf = (ids: string[]) => ids.map((id) => catalog.find((product) => product.id === id)?.name);

    beforeAll(async () => {
      fixture = await setup();
      catalog = await fixture.seed(generalCatalogue);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("ranks an exact name match above a product that only mentions the words in its description", async () => {
      const result = await fixture.engine.search(query({ text: "wool socks" }));
      const names = namesOf(idsOf(result));
      expect(names[0]).toBe("Wool Socks");
      expect(names).toContain("Leather Boots");
    });

    it("finds products by the prefix of the last word as it is typed", async () => {
      const result = await fixture.engine.search(query({ text: "sneak" }));
      expect(namesOf(idsOf(result))).toContain("Canvas Sneakers");
      const twoWords = await fixture.engine.search(query({ text: "running sho" }));
      expect(namesOf(idsOf(twoWords))[0]).toBe("Trail Running Shoes");
    });

    it("matches a prefix that stemming would break, in descriptions too", async () => {
      // "runn" is no prefix of the stem "run": only the words as written match it. The typo fallback looks at names
      // only, so Wool Socks (running in its description) proves the prefix matched.
      const names = namesOf(idsOf(await fixture.engine.search(query({ text: "runn" }))));
      expect(names).toEqual(expect.arrayContaining(["Trail Running Shoes", "Wool Socks"]));
    });

    it("finds products despite a typo in the name", async () => {
      const result = await fixture.engine.search(query({ text: "sheos" }));
      expect(namesOf(idsOf(result))).toContain("Trail Running Shoes");
      const other = await fixture.engine.search(query({ text: "snekers" }));
      expect(namesOf(idsOf(other))).toContain("Canvas Sneakers");
    });

    it("matches accents and case either way: cafe, café and CAFÉ find both cafés and nothing else", async () => {
      for (const text of ["cafe", "café", "CAFÉ"]) {
        const result = await fixture.engine.search(query({ text }));
        expect(namesOf(idsOf(result)).sort()).toEqual(["Cafe table", "Café crème cups"]);
        expect(result.totalCount).toBe(2);
      }
    });

    it("finds words of any script, without accents or capitals: μελι finds Μέλι θυμαρίσιο", async () => {
      for (const text of ["μελι", "ΜΈΛΙ", "θυμαρισιο"]) {
        expect(namesOf(idsOf(await fixture.engine.search(query({ text }))))[0]).toBe("Μέλι θυμαρίσιο");
      }
    });

    it("ranks a title that is a stop word first: we finds We before Wedding album and Weekend bag", async () => {
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "we" }))))[0]).toBe("We");
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "We" }))))[0]).toBe("We");
    });

    it("corrects a typo to the catalogue's words without inflating the count: sheos finds shoes, no shears", async () => {
      const result = await fixture.engine.search(query({ text: "sheos" }));
      const names = namesOf(idsOf(result));
      expect(names[0]).toBe("Trail Running Shoes");
      expect(names).not.toContain("Pruning Shears");
      const mentioningShoes = catalog.filter((product) => /\bshoes\b/i.test(`${product.name} ${product.description}`));
      expect(result.totalCount).toBe(mentioningShoes.length);
    });

    it("corrects a misspelt word of a description, alone or beside correct words", async () => {
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "wrougth" }))))).toEqual(["Lantern"]);
      expect(namesOf(idsOf(await fixture.engine.search(query({ text: "wrougth iron lantern" }))))[0]).toBe("Lantern");
    });

    it("returns nothing (and no error) for text that matches nothing", async () => {
      const result = await fixture.engine.search(query({ text: "zzzzqqqq" }));
      expect(idsOf(result)).toEqual([]);
      expect(result.totalCount).toBe(0);
    });

    it("treats operators and quotes in the text as plain input", async () => {
      for (const text of ["shoes & | ! :* (", "'; DROP TABLE products; --", '"running shoes"', "-boots shoes"]) {
        const result = await fixture.engine.search(query({ text }));
        expect(result.totalCount).toBeGreaterThanOrEqual(0);
      }
      const quoted = await fixture.engine.search(query({ text: '"running shoes"' }));
      expect(namesOf(idsOf(quoted))).toContain("Trail Running Shoes");
    });
  });
}
