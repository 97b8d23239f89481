import { describe, expect, it } from "vitest";
import { AppError } from "@polyscale/platform";
import { SearchSort } from "@polyscale/product";
import { decimalOf } from "./money.js";
import { productCreationOf, productSearchOf } from "./resolvers.js";

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
    expect(productCreationOf({ name: "Mug", description: "", price: 19.99 }).priceCents).toBe(1999);
    expect(productCreationOf({ name: "Mug", description: "", price: 0.29 }).priceCents).toBe(29);
    expect(productCreationOf({ name: "Mug", description: "", price: 1005 }).priceCents).toBe(100_500);
  });

  it("uses the currency's ISO 4217 exponent: a ¥1000 product is 1000 minor units, BHD 1.234 is 1234", () => {
    expect(productCreationOf({ name: "Tea", description: "", price: 1000, currency: "JPY" }).priceCents).toBe(1000);
    expect(productCreationOf({ name: "Tea", description: "", price: 1.234, currency: "BHD" }).priceCents).toBe(1234);
    expect(fieldOf(() => productCreationOf({ name: "Tea", description: "", price: 1000.5, currency: "JPY" }))).toEqual({
      code: "INVALID_ARGUMENT",
      field: "price",
    });
    expect(fieldOf(() => productCreationOf({ name: "Tea", description: "", price: 1, currency: "ABC" }))).toEqual({
      code: "INVALID_ARGUMENT",
      field: "currency",
    });
  });

  it("refuses a price with more than two decimals, naming the field", () => {
    expect(fieldOf(() => productCreationOf({ name: "Mug", description: "", price: 19.999 }))).toEqual({
      code: "INVALID_ARGUMENT",
      field: "price",
    });
  });

  it("converts search price bounds to cents and leaves absent ones out", () => {
    const search = productSearchOf({ query: "mug", filter: { minPrice: 5.5, maxPrice: null }, sort: null });
    expect(search).toMatchObject({ query: "mug", minPriceCents: 550, maxPriceCents: undefined });
    expect(search.sort).toBe(SearchSort.SEARCH_SORT_UNSPECIFIED);
    expect(search.page).toEqual({ skip: 0, take: 100 });
    expect(fieldOf(() => productSearchOf({ filter: { maxPrice: 1.001 } })).field).toBe("maxPrice");
  });

  it("shows cents as decimals", () => {
    expect(decimalOf(1999, "USD")).toBe(19.99);
    expect(decimalOf(5, "USD")).toBe(0.05);
    expect(decimalOf(1000, "JPY")).toBe(1000);
  });
});
