import { describe, expect, it } from "vitest";
import { majorToMinor, minorToMajor } from "./money.js";

describe("majorToMinor", () => {
  it.each([
    [19.99, 1999],
    [0.1, 10],
    [0.29, 29],
    [1005, 100500],
    [4.35, 435],
    [0, 0],
    [-2.5, -250],
    [1234567.89, 123456789],
  ])("converts %d exactly to %d cents", (major, minor) => {
    expect(majorToMinor("price", major)).toBe(minor);
  });

  it("refuses more than two decimals, naming the field", () => {
    expect(() => majorToMinor("price", 19.999)).toThrow("price: must have at most 2 decimal places");
  });

  it.each([[Number.NaN], [Infinity], [1e21], [1e-7]])("refuses %d", (value) => {
    expect(() => majorToMinor("price", value)).toThrow(/^price: /);
  });
});

describe("minorToMajor", () => {
  it("round-trips every cent value of a range", () => {
    for (let cents = 0; cents < 100_000; cents += 7) expect(majorToMinor("price", minorToMajor(cents))).toBe(cents);
  });
});
