import { describe, expect, it } from "vitest";
import { AppError } from "@polyscale/platform";
import { refuseUnknownFields, refuseUnknownQueryParameters } from "./body-fields.js";
import { pageParameters, variantIdParameter } from "./openapi.js";
import { schemaRef } from "./schemas/index.js";

/** The field and message of the refusal of `body`, or undefined when its fields are all known. */
function unknownField(body: unknown, schema: Parameters<typeof refuseUnknownFields>[1]) {
  try {
    refuseUnknownFields(body, schema);
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return { field: error.field, message: error.message, reason: error.reason };
    throw error;
  }
}

describe("refuseUnknownFields", () => {
  // Seen: POST /cart/items {"productId":P,"qty":5} added one unit: the typo was dropped unseen.
  it("regression: names a field the body's schema does not have, with the fields there are", () => {
    expect(unknownField({ productId: "p", qty: 5 }, schemaRef("NewCartItem"))).toEqual({
      field: "qty",
      message: "qty: is not a field here; the fields are productId, variantId, quantity",
      reason: "INVALID_INPUT",
    });
    expect(unknownField({ productId: "p", quantity: 5 }, schemaRef("NewCartItem"))).toBeUndefined();
  });

  it("follows references, arrays and nested objects, naming the path", () => {
    const product = { name: "n", description: "d", priceCents: 1 };
    expect(
      unknownField(
        { ...product, variants: [{ priceCents: 1 }, { priceCents: 1, colour: "red" }] },
        schemaRef("NewProduct"),
      )?.field,
    ).toBe("variants[1].colour");
    expect(
      unknownField({ ...product, attributes: [{ name: "a", value: "b", note: "" }] }, schemaRef("NewProduct"))?.field,
    ).toBe("attributes[0].note");
    expect(unknownField({ images: [{ url: "u", caption: "c" }] }, schemaRef("ProductImages"))?.field).toBe(
      "images[0].caption",
    );
    expect(unknownField({ shippingAddress: { name: "n", zip: "1" } }, schemaRef("Checkout"))?.field).toBe(
      "shippingAddress.zip",
    );
    // Values of the wrong kind are the readers' to refuse (rest/input.ts), with the messages they give.
    expect(unknownField({ ...product, variants: "red", attributes: [5] }, schemaRef("NewProduct"))).toBeUndefined();
  });

  it("takes a property named like an Object.prototype member as unknown, not as a field", () => {
    expect(unknownField(JSON.parse('{"productId":"p","constructor":1}'), schemaRef("NewCartItem"))?.field).toBe(
      "constructor",
    );
  });
});

describe("refuseUnknownQueryParameters", () => {
  const refusalOf = (query: string, parameters?: readonly object[]) => {
    try {
      refuseUnknownQueryParameters(new URLSearchParams(query), parameters);
      return undefined;
    } catch (error) {
      if (error instanceof AppError) return { field: error.field, message: error.message, reason: error.reason };
      throw error;
    }
  };

  it("names a parameter only the declared query ones are not, with the ones there are; repeats are the route's", () => {
    const page = [pageParameters.skip, pageParameters.take];
    expect(refusalOf("skip=1&staus=PAID", page)).toEqual({
      field: "staus",
      message: "staus: is not a parameter here; the parameters are skip, take",
      reason: "INVALID_INPUT",
    });
    expect(refusalOf("take=1&take=2&skip=0", page)).toBeUndefined();
    // A header or path parameter is not a query one.
    const header = { name: "Idempotency-Key", in: "header" };
    expect(refusalOf("Idempotency-Key=k", [header])?.message).toBe(
      "Idempotency-Key: is not a parameter here; there are none",
    );
    expect(refusalOf("variantId=v", [variantIdParameter])).toBeUndefined();
    expect(refusalOf("")).toBeUndefined();
  });
});
