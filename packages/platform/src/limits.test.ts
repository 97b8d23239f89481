import { describe, expect, it } from "vitest";
import { AppError } from "./errors.js";
import { LIMITS, requireLineQuantity, requirePrice, requireStock, requireStockDelta, requireTotal } from "./limits.js";

function refusal(action: () => unknown): Pick<AppError, "code" | "field" | "reason"> {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.field, reason: error.reason };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the shop's limits", () => {
  it("keeps the largest order total, and so every cart and payment, an exact JavaScript number", () => {
    const largestTotal = LIMITS.priceMinor * LIMITS.lineQuantity * LIMITS.orderProducts;
    expect(largestTotal).toBe(LIMITS.totalMinor);
    expect(Number.isSafeInteger(largestTotal)).toBe(true);
    expect(Number.isSafeInteger(LIMITS.stock * LIMITS.orderProducts)).toBe(true);
  });

  it("accepts each limit and refuses one more as LIMIT_EXCEEDED naming the field", () => {
    expect(requirePrice("priceCents", LIMITS.priceMinor)).toBe(LIMITS.priceMinor);
    expect(requireStock("stock", LIMITS.stock)).toBe(LIMITS.stock);
    expect(requireLineQuantity("quantity", LIMITS.lineQuantity)).toBe(LIMITS.lineQuantity);
    expect(requireTotal("amountCents", LIMITS.totalMinor, 1)).toBe(LIMITS.totalMinor);
    const beyond = { code: "INVALID_ARGUMENT", reason: "LIMIT_EXCEEDED" };
    expect(refusal(() => requirePrice("priceCents", LIMITS.priceMinor + 1))).toEqual({
      ...beyond,
      field: "priceCents",
    });
    expect(refusal(() => requireStock("stock", LIMITS.stock + 1))).toEqual({ ...beyond, field: "stock" });
    expect(refusal(() => requireLineQuantity("quantity", 1001))).toEqual({ ...beyond, field: "quantity" });
    expect(refusal(() => requireTotal("amountCents", LIMITS.totalMinor + 1))).toEqual({
      ...beyond,
      field: "amountCents",
    });
  });

  // Seen (new-user check of issue 17): priceCents 10000000001 was LIMIT_EXCEEDED but 9007199254740993 (2^53 + 1) INVALID_INPUT,
  // and GraphQL's price 1e20 INVALID_INPUT "is out of range": one limit, two reasons.
  it("regression: refuses any number beyond a limit as LIMIT_EXCEEDED, however large", () => {
    for (const value of [LIMITS.priceMinor + 0.5, 2 ** 53, 2 ** 53 + 2, 1e20, Number.POSITIVE_INFINITY]) {
      expect(refusal(() => requirePrice("priceCents", value))).toEqual({
        code: "INVALID_ARGUMENT",
        field: "priceCents",
        reason: "LIMIT_EXCEEDED",
      });
    }
    expect(refusal(() => requireLineQuantity("quantity", 2 ** 31)).reason).toBe("LIMIT_EXCEEDED");
  });

  // Seen: adjustStock delta 1e20 was INVALID_INPUT "must be a whole number" (GraphQL, the service) or "must be
  // between -9007199254740991 and 9007199254740991" (REST).
  it("regression: refuses a stock change beyond the stock limit either way as LIMIT_EXCEEDED, however large", () => {
    const beyond = { code: "INVALID_ARGUMENT", reason: "LIMIT_EXCEEDED", field: "delta" };
    for (const delta of [1e20, -1e20, LIMITS.stock + 1, -LIMITS.stock - 1, -Infinity]) {
      expect(refusal(() => requireStockDelta("delta", delta))).toEqual(beyond);
    }
    expect(requireStockDelta("delta", -LIMITS.stock)).toBe(-LIMITS.stock);
    const invalid = { code: "INVALID_ARGUMENT", reason: "INVALID_INPUT", field: "delta" };
    expect(refusal(() => requireStockDelta("delta", 0))).toEqual(invalid);
    expect(refusal(() => requireStockDelta("delta", -1.5))).toEqual(invalid);
  });

  it("refuses negative, fractional and NaN values as INVALID_INPUT", () => {
    for (const value of [-1, 0.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(refusal(() => requirePrice("priceCents", value))).toEqual({
        code: "INVALID_ARGUMENT",
        field: "priceCents",
        reason: "INVALID_INPUT",
      });
    }
    expect(refusal(() => requireLineQuantity("quantity", 0)).reason).toBe("INVALID_INPUT");
    expect(refusal(() => requireTotal("amountCents", 0, 1)).reason).toBe("INVALID_INPUT");
  });
});
