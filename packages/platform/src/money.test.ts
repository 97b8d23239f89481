import { describe, expect, it } from "vitest";
import { AppError } from "./errors.js";
import { currencyExponent, isIsoCurrency, majorToMinor, minorToMajor } from "./money.js";
import { requireCurrency } from "./validation.js";

describe("majorToMinor", () => {
  it.each([
    [19.99, "USD", 1999],
    [0.1, "USD", 10],
    [0.29, "EUR", 29],
    [1005, "USD", 100500],
    [4.35, "USD", 435],
    [0, "USD", 0],
    [-2.5, "USD", -250],
    [1234567.89, "USD", 123456789],
    [1000, "JPY", 1000],
    [1000, "KRW", 1000],
    [1.234, "BHD", 1234],
    [2.5, "KWD", 2500],
    [0.001, "JOD", 1],
  ])("converts %d %s exactly to %d minor units", (major, currency, minor) => {
    expect(majorToMinor("price", major, currency)).toBe(minor);
  });

  it.each([
    [19.999, "USD", "price: must have at most 2 decimal places in USD"],
    [1000.5, "JPY", "price: must have at most 0 decimal places in JPY"],
    [1.2345, "BHD", "price: must have at most 3 decimal places in BHD"],
  ])("refuses %d %s with more decimals than the currency has", (major, currency, message) => {
    let error: unknown;
    try {
      majorToMinor("price", major, currency);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ message, field: "price", reason: "TOO_MANY_DECIMALS", code: "INVALID_ARGUMENT" });
  });

  it.each([[Number.NaN], [Infinity], [1e21], [1e-7]])("refuses %d", (value) => {
    expect(() => majorToMinor("price", value, "USD")).toThrow(/^price: /);
  });
});

describe("minorToMajor", () => {
  it.each(["USD", "JPY", "BHD"])("round-trips every minor value of a range in %s", (currency) => {
    // One assertion over the misses, not one per value: 14,000 `expect` calls were most of the test's time.
    const misses: Array<{ minor: number; back: number }> = [];
    for (let minor = 0; minor < 100_000; minor += 7) {
      const back = majorToMinor("price", minorToMajor(minor, currency), currency);
      if (back !== minor) misses.push({ minor, back });
    }
    expect(misses).toEqual([]);
  });

  it("reads minor units with the currency's exponent", () => {
    expect(minorToMajor(1000, "JPY")).toBe(1000);
    expect(minorToMajor(1234, "BHD")).toBe(1.234);
    expect(minorToMajor(1999, "USD")).toBe(19.99);
  });
});

describe("ISO 4217 currencies", () => {
  it.each([
    ["JPY", 0],
    ["KRW", 0],
    ["USD", 2],
    ["EUR", 2],
    ["BHD", 3],
    ["KWD", 3],
    ["JOD", 3],
  ])("%s has exponent %d", (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });

  it("knows real codes and refuses made-up ones", () => {
    expect(isIsoCurrency("EUR")).toBe(true);
    expect(isIsoCurrency("ABC")).toBe(false);
    expect(requireCurrency("currency", "jpy")).toBe("JPY");
    expect(() => requireCurrency("currency", "ABC")).toThrow(
      expect.objectContaining({ field: "currency", reason: "CURRENCY_UNKNOWN" }),
    );
  });
});
