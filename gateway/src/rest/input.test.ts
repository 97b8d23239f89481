import { describe, expect, it } from "vitest";
import { AppError } from "@polyscale/platform";
import { optionalInteger, queryInteger, requiredInteger } from "./input.js";

function refusal(action: () => unknown): { field?: string; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("REST integer inputs", () => {
  // Seen: "must be between -2147483648 and 2147483647" for fields that refuse negatives.
  it("regression: a range message states the range the field accepts", () => {
    expect(refusal(() => queryInteger(new URLSearchParams("skip=2147483648"), "skip", "int32", 0))).toEqual({
      field: "skip",
      message: "skip: must be between 0 and 2147483647",
    });
    expect(refusal(() => queryInteger(new URLSearchParams("skip=-1"), "skip", "int32", 0)).message).toBe(
      "skip: must be between 0 and 2147483647",
    );
    expect(refusal(() => requiredInteger({ quantity: 2 ** 31 }, "quantity", "int32", 1))).toEqual({
      field: "quantity",
      message: "quantity: must be between 1 and 2147483647",
    });
    expect(refusal(() => requiredInteger({ quantity: 0 }, "quantity", "int32", 1)).message).toBe(
      "quantity: must be between 1 and 2147483647",
    );
    expect(refusal(() => optionalInteger({ stock: 2 ** 53 }, "stock", "int64", 0)).message).toBe(
      `stock: must be between 0 and ${Number.MAX_SAFE_INTEGER}`,
    );
    // Without a minimum (a signed field) the width is the range.
    expect(refusal(() => requiredInteger({ delta: 2 ** 31 }, "delta", "int32")).message).toBe(
      "delta: must be between -2147483648 and 2147483647",
    );
    expect(queryInteger(new URLSearchParams("skip=2147483647"), "skip", "int32", 0)).toBe(2 ** 31 - 1);
    expect(requiredInteger({ quantity: 1 }, "quantity", "int32", 1)).toBe(1);
  });
});
