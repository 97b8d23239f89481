import { describe, expect, it } from "vitest";
import { AppError, LIMITS, invalidArgument, requireLineQuantity, requireTotal } from "@polyscale/platform";
import {
  asObject,
  optionalInteger,
  queryInteger,
  requiredArray,
  requiredBoolean,
  requiredInteger,
  requiredString,
  underRestNames,
  within,
} from "./input.js";
import { pageParameters } from "./openapi.js";
import { schemas } from "./schemas/index.js";

function refusal(action: () => unknown): { field?: string; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

const lineSchema = schemas.NewOrder.properties.lines.items;

describe("REST integer inputs", () => {
  // Seen: delta 1e20 was "must be between -9007199254740991 and …" through REST, LIMIT_EXCEEDED or "must be a whole
  // number" elsewhere; take 1e20 "must be between 0 and 2147483647" here, "must be a whole number" through GraphQL.
  it("regression: a value beyond its field's width is refused by the field's platform rule, as GraphQL refuses it", () => {
    const take = (raw: string) => refusal(() => queryInteger(new URLSearchParams(`take=${raw}`), pageParameters.take));
    for (const raw of ["2147483648", "1e20", "100000000000000000000"]) {
      expect(take(raw)).toEqual({ field: "take", message: "take: must be at most 2147483647" });
    }
    expect(take("-1e20").message).toBe("take: must be at least 0");
    expect(take("1.5").message).toBe("take: must be a whole number");
    expect(refusal(() => requiredInteger({ quantity: 2 ** 31 }, lineSchema, "quantity"))).toEqual(
      refusal(() => requireLineQuantity("quantity", 2 ** 31)),
    );
    const stockLimit = `must be at most ${LIMITS.stock} (the shop's limit for stock)`;
    expect(refusal(() => optionalInteger({ stock: 2 ** 53 }, schemas.NewProduct, "stock")).message).toBe(
      `stock: ${stockLimit}`,
    );
    for (const delta of [1e20, -1e20]) {
      expect(refusal(() => requiredInteger({ delta }, schemas.StockAdjustment, "delta")).message).toBe(
        `delta: ${stockLimit}`,
      );
    }
    // A field without a platform rule: its width is the range.
    const signed = { properties: { count: { type: "integer", format: "int32" } } } as const;
    expect(refusal(() => requiredInteger({ count: 2 ** 31 }, signed, "count")).message).toBe(
      "count: must be at most 2147483647",
    );
    expect(refusal(() => requiredInteger({ count: -(2 ** 31) - 1 }, signed, "count")).message).toBe(
      "count: must be at least -2147483648",
    );
    expect(requiredInteger({ count: -(2 ** 31) }, signed, "count")).toBe(-(2 ** 31));
    expect(queryInteger(new URLSearchParams("skip=2147483647"), pageParameters.skip)).toBe(2 ** 31 - 1);
    expect(requiredInteger({ quantity: 1 }, lineSchema, "quantity")).toBe(1);
  });

  it("refuses a value below the schema's minimum as the owning service does, with its message", () => {
    expect(refusal(() => requiredInteger({ quantity: 0 }, lineSchema, "quantity"))).toEqual(
      refusal(() => requireLineQuantity("quantity", 0)),
    );
    expect(refusal(() => queryInteger(new URLSearchParams("skip=-1"), pageParameters.skip))).toEqual({
      field: "skip",
      message: "skip: must be at least 0",
    });
    // Above the width it carries, the service's limit is its own rule: the edge lets 1001 through to it.
    expect(requiredInteger({ quantity: LIMITS.lineQuantity + 1 }, lineSchema, "quantity")).toBe(
      LIMITS.lineQuantity + 1,
    );
  });

  // Seen: the webhook refused amountCents 0 at the edge while /openapi.json documented 0 as accepted.
  it("regression: the payment webhook's amountCents minimum is the one the document states", () => {
    expect(schemas.PaymentEvent.properties.amountCents.minimum).toBe(1);
    expect(refusal(() => requiredInteger({ amountCents: 0 }, schemas.PaymentEvent, "amountCents"))).toEqual(
      refusal(() => requireTotal("amountCents", 0, 1)),
    );
  });
});

describe("REST reads of present but wrong values", () => {
  // Seen: PATCH /variants/{id} {"priceCents":1.5} answered "priceCents: is required and must be a whole number",
  // though priceCents is optional there and was given: the message must say what is wrong with it.
  it("regression: a field that is present says what is wrong with it, never that it is required", () => {
    const changes = schemas.VariantChanges;
    for (const value of [1.5, "2", true, {}]) {
      expect(refusal(() => optionalInteger({ priceCents: value }, changes, "priceCents"))).toEqual({
        field: "priceCents",
        message: "priceCents: must be a whole number",
      });
      expect(refusal(() => requiredInteger({ priceCents: value }, changes, "priceCents")).message).toBe(
        "priceCents: must be a whole number",
      );
    }
    expect(refusal(() => requiredString({ name: 5 }, "name")).message).toBe("name: must be a string");
    expect(refusal(() => requiredBoolean({ disabled: "yes" }, "disabled")).message).toBe(
      "disabled: must be true or false",
    );
    expect(refusal(() => requiredArray({ images: {} }, "images")).message).toBe("images: must be an array");
  });

  it("says a field is required only when it is absent (or null)", () => {
    for (const body of [{}, { priceCents: null }]) {
      expect(refusal(() => requiredInteger(body, schemas.VariantChanges, "priceCents")).message).toBe(
        "priceCents: is required",
      );
    }
    expect(refusal(() => requiredString({}, "name")).message).toBe("name: is required");
    expect(refusal(() => requiredBoolean({}, "disabled")).message).toBe("disabled: is required");
    expect(refusal(() => requiredArray({}, "images")).message).toBe("images: is required");
  });
});

describe("naming fields where the REST client wrote them", () => {
  it("within: a nested object's refusals name its fields under its path, at any depth", () => {
    const variant = { options: [{ name: "Size" }] };
    expect(
      refusal(() => within("variants[1]", () => requiredInteger(variant, schemas.NewVariant, "priceCents"))),
    ).toEqual({
      field: "variants[1].priceCents",
      message: "variants[1].priceCents: is required",
    });
    const options = () =>
      within("options[0]", () => requiredString(asObject(variant.options[0], "options[0]"), "value"));
    expect(refusal(() => within("variants[1]", options)).field).toBe("variants[1].options[0].value");
  });

  it("underRestNames: a domain refusal names the REST field or parameter, its message too; others pass unchanged", async () => {
    const rename = (field: string) => (field === "query" ? "q" : undefined);
    await expect(underRestNames(Promise.reject(invalidArgument("query", "is too long")), rename)).rejects.toMatchObject(
      {
        field: "q",
        message: "q: is too long",
        reason: "INVALID_INPUT",
      },
    );
    await expect(underRestNames(Promise.reject(invalidArgument("sort", "x")), rename)).rejects.toMatchObject({
      field: "sort",
    });
    await expect(underRestNames(Promise.resolve(1), rename)).resolves.toBe(1);
  });
});
