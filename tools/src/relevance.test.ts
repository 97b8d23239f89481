import { describe, expect, it } from "vitest";
import { meanNdcgAt, ndcgAt, RELEVANCE_CUTOFF, RELEVANCE_THRESHOLD } from "./relevance.js";
import { relevanceCatalogue, relevanceQueries } from "./relevance-catalogue.js";

describe("ndcgAt", () => {
  const grades = new Map([
    ["a", 3],
    ["b", 2],
    ["c", 1],
  ]);

  it("is 1 for the ideal ranking and 0 when nothing judged is ranked", () => {
    expect(ndcgAt(10, ["a", "b", "c", "x"], grades)).toBe(1);
    expect(ndcgAt(10, ["x", "y"], grades)).toBe(0);
  });

  it("follows the formula: gains 2^rel − 1 discounted by log2(rank + 1), over the ideal", () => {
    // Ranking c, x, a: DCG = 1/log2(2) + 0 + 7/log2(4) = 4.5; ideal a, b, c: 7 + 3/log2(3) + 1/2.
    const ideal = 7 + 3 / Math.log2(3) + 0.5;
    expect(ndcgAt(10, ["c", "x", "a"], grades)).toBeCloseTo(4.5 / ideal, 12);
  });

  it("ignores everything below the cut-off", () => {
    expect(ndcgAt(2, ["x", "y", "a"], grades)).toBe(0);
    expect(ndcgAt(3, ["x", "y", "a"], grades)).toBeGreaterThan(0);
  });

  it("refuses a query without any relevant item", () => {
    expect(() => ndcgAt(10, ["a"], new Map([["a", 0]]))).toThrow();
  });
});

describe("the relevance suite's data", () => {
  const names = relevanceCatalogue.map((product) => product.name);

  it("has a few hundred products with unique names and 50+ queries whose graded products all exist", () => {
    expect(relevanceCatalogue.length).toBeGreaterThanOrEqual(300);
    expect(new Set(names).size).toBe(names.length);
    expect(relevanceQueries.length).toBeGreaterThanOrEqual(50);
    for (const query of relevanceQueries) {
      expect(Object.keys(query.grades).length, query.text).toBeGreaterThan(0);
      for (const name of Object.keys(query.grades)) expect(names, `${query.text} grades ${name}`).toContain(name);
    }
  });

  it("scores a deliberately shuffled ranking below the threshold, so a ranking regression fails the suite", () => {
    // Each query's judged products in ideal order among ten unjudged ones, then shuffled with a fixed seed: the
    // right products are all on the first page, just not in a sensible order.
    let seed = 13;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const distractors = names.filter((name) => !relevanceQueries.some((query) => name in query.grades)).slice(0, 10);
    const runs = relevanceQueries.map((query) => {
      const grades = new Map(Object.entries(query.grades));
      const ideal = [...grades.keys()].sort((a, b) => grades.get(b)! - grades.get(a)!);
      const shuffled = [...ideal, ...distractors];
      for (let index = shuffled.length - 1; index > 0; index--) {
        const other = Math.floor(random() * (index + 1));
        [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
      }
      return { ideal, shuffled, grades };
    });
    expect(
      meanNdcgAt(
        RELEVANCE_CUTOFF,
        runs.map(({ ideal, grades }) => ({ ranking: ideal, grades })),
      ),
    ).toBe(1);
    expect(
      meanNdcgAt(
        RELEVANCE_CUTOFF,
        runs.map(({ shuffled, grades }) => ({ ranking: shuffled, grades })),
      ),
    ).toBeLessThan(RELEVANCE_THRESHOLD);
  });
});
