import { describe, expect, it } from "vitest";
import { median, percentile, ratio, summarizeLatencies } from "./stats.js";

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 99.9)).toBe(100);
    expect(percentile([7], 99.9)).toBe(7);
  });

  it("is NaN without samples", () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("summarizeLatencies", () => {
  it("sorts before ranking and keeps the count and maximum", () => {
    expect(summarizeLatencies([5, 1, 4, 2, 3])).toEqual({ count: 5, p50: 3, p99: 5, p999: 5, max: 5 });
  });
});

describe("median and ratio", () => {
  it("averages the two middle values of an even count and ignores missing ones", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([3, Number.NaN, 1, 2])).toBe(2);
    expect(median([])).toBeNaN();
  });

  it("refuses to divide by zero or by a missing value", () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 4)).toBeNaN();
  });
});
