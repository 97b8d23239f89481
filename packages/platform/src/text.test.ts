import { describe, expect, it } from "vitest";
import { AppError } from "./errors.js";
import { cleanText, cleanTextDeep } from "./text.js";

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a refusal");
}

describe("cleanText", () => {
  it("refuses NUL and unpaired surrogates, naming the field", () => {
    expect(refusal(() => cleanText("q", "sho\u0000es"))).toMatchObject({ code: "INVALID_ARGUMENT", field: "q" });
    expect(refusal(() => cleanText("name", "a\ud800b"))).toMatchObject({ code: "INVALID_ARGUMENT", field: "name" });
    expect(refusal(() => cleanText("name", "\udc00"))).toMatchObject({ field: "name", reason: "INVALID_INPUT" });
  });

  it("keeps every script and paired surrogates, normalised to NFC", () => {
    expect(cleanText("name", "Обувь 靴 👟 أحذية")).toBe("Обувь 靴 👟 أحذية");
    expect(cleanText("email", "e\u0301mile@example.com")).toBe("\u00e9mile@example.com");
  });

  it("cleans nested objects and arrays, naming the innermost key", () => {
    const input = { product: { name: "Cafe\u0301" }, lines: [{ productId: "x" }], quantity: 2 };
    expect(cleanTextDeep(input)).toEqual({ product: { name: "Caf\u00e9" }, lines: [{ productId: "x" }], quantity: 2 });
    expect(refusal(() => cleanTextDeep({ lines: [{ productId: "p\u0000" }] }))).toMatchObject({ field: "productId" });
    expect(refusal(() => cleanTextDeep({ tags: ["ok", "\ud83d"] }))).toMatchObject({ field: "tags" });
  });
});
