import { describe, expect, it } from "vitest";
import { AppError } from "@polyscale/platform";
import { SearchSort } from "@polyscale/product";
import { decimalOf } from "./money.js";
import { productCreationOf, productSearchOf, searchCurrencyOf } from "./inputs.js";

function fieldOf(action: () => unknown): { code: string; field?: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected an error");
}

describe("money at the GraphQL edge", () => {
  it("turns a decimal product price into exact cents", () => {
    expect(productCreationOf({ name: "Mug", description: "", price: 19.99 }, "USD").priceCents).toBe(1999);
    expect(productCreationOf({ name: "Mug", description: "", price: 0.29 }, "USD").priceCents).toBe(29);
    expect(productCreationOf({ name: "Mug", description: "", price: 1005 }, "USD").priceCents).toBe(100_500);
  });

  it("uses the currency's ISO 4217 exponent: a ¥1000 product is 1000 minor units, BHD 1.234 is 1234", () => {
    expect(productCreationOf({ name: "Tea", description: "", price: 1000, currency: "JPY" }, "USD").priceCents).toBe(
      1000,
    );
    expect(productCreationOf({ name: "Tea", description: "", price: 1.234, currency: "BHD" }, "USD").priceCents).toBe(
      1234,
    );
    expect(
      fieldOf(() => productCreationOf({ name: "Tea", description: "", price: 1000.5, currency: "JPY" }, "USD")),
    ).toEqual({
      code: "INVALID_ARGUMENT",
      field: "price",
    });
    expect(
      fieldOf(() => productCreationOf({ name: "Tea", description: "", price: 1, currency: "ABC" }, "USD")),
    ).toEqual({
      code: "INVALID_ARGUMENT",
      field: "currency",
    });
  });

  it("refuses a price with more than two decimals, naming the field", () => {
    expect(fieldOf(() => productCreationOf({ name: "Mug", description: "", price: 19.999 }, "USD"))).toEqual({
      code: "INVALID_ARGUMENT",
      field: "price",
    });
  });

  it("converts search price bounds to cents and leaves absent ones out", () => {
    const search = productSearchOf({ query: "mug", filter: { minPrice: 5.5, maxPrice: null }, sort: null }, "USD");
    expect(search).toMatchObject({ query: "mug", minPriceCents: 550, maxPriceCents: undefined });
    expect(search.sort).toBe(SearchSort.SEARCH_SORT_UNSPECIFIED);
    expect(search.page).toEqual({ skip: 0, take: 100 });
    expect(fieldOf(() => productSearchOf({ filter: { maxPrice: 1.001 } }, "USD")).field).toBe("maxPrice");
  });

  // Seen: without a currency the price and the search bounds were converted as USD whatever DEFAULT_CURRENCY was.
  it("regression: converts a price without currency and search bounds with the default or the filter's currency", () => {
    expect(productCreationOf({ name: "Tea", description: "", price: 1000 }, "JPY")).toMatchObject({
      priceCents: 1000,
      currency: "JPY",
    });
    expect(fieldOf(() => productCreationOf({ name: "Tea", description: "", price: 10.5 }, "JPY"))).toEqual({
      code: "INVALID_ARGUMENT",
      field: "price",
    });
    expect(productSearchOf({ filter: { minPrice: 1000, maxPrice: 2000 } }, "JPY")).toMatchObject({
      minPriceCents: 1000,
      maxPriceCents: 2000,
    });
    expect(searchCurrencyOf({ filter: { currency: "bhd" } }, "JPY")).toBe("BHD");
    expect(productSearchOf({ filter: { minPrice: 1.234 } }, "BHD").minPriceCents).toBe(1234);
  });

  it("refuses a price beyond the shop's limit as LIMIT_EXCEEDED on the field the client sent", () => {
    expect(productCreationOf({ name: "Car", description: "", price: 100_000_000 }, "USD").priceCents).toBe(10 ** 10);
    expect(productCreationOf({ name: "Car", description: "", price: 10 ** 10 }, "JPY").priceCents).toBe(10 ** 10);
    // Seen: "price: must be at most 10000000000" for a price sent as 100000000.01 USD: the limit in the client's units.
    for (const [price, currency, limit] of [
      [100_000_000.01, "USD", "100000000.00 USD"],
      [10 ** 10 + 1, "JPY", "10000000000 JPY"],
      [10_000_000.001, "BHD", "10000000.000 BHD"],
      // Seen (new-user check of issue 17): 1e20 was INVALID_INPUT "is out of range", though beyond the same limit.
      [1e20, "USD", "100000000.00 USD"],
      [1e300, "JPY", "10000000000 JPY"],
    ] as const) {
      try {
        productCreationOf({ name: "Car", description: "", price, currency }, "USD");
        throw new Error("expected a refusal");
      } catch (error) {
        expect(error).toMatchObject({
          code: "INVALID_ARGUMENT",
          field: "price",
          reason: "LIMIT_EXCEEDED",
          message: `price: must be at most ${limit} (the shop's limit for a price)`,
        });
      }
    }
  });

  it("shows cents as decimals", () => {
    expect(decimalOf(1999, "USD")).toBe(19.99);
    expect(decimalOf(5, "USD")).toBe(0.05);
    expect(decimalOf(1000, "JPY")).toBe(1000);
  });
});
