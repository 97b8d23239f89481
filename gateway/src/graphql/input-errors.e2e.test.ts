import { describe, expect, it } from "vitest";
import { useGraphQLServer } from "../test-graphql-http.js";

/**
 * Values the schema's scalars refuse, literal or variable, answered as the domain's refusals naming the input field
 * (input-errors.ts), through GraphQL over HTTP (../test-graphql-http.ts). Raw JSON bodies carry numbers past 2^53 as
 * written.
 */

const { post } = useGraphQLServer();

describe("values the schema's scalars refuse", () => {
  /** The one error of a query refused for its input: message, code, reason and field. */
  async function refusal(query: string, variables?: Record<string, unknown>, raw?: string) {
    const { body } = await post(raw ?? { query, variables });
    expect(body.errors).toHaveLength(1);
    const [{ message, extensions }] = body.errors as [{ message: string; extensions: Record<string, unknown> }];
    return { message, code: extensions.code, reason: extensions.reason, field: extensions.field };
  }
  const invalid = (field: string, problem: string) => ({
    message: `${field}: ${problem}`,
    code: "BAD_USER_INPUT",
    reason: "INVALID_INPUT",
    field,
  });
  const beyondQuantity = {
    message: "quantity: must be at most 1000 (the shop's limit for a line's quantity)",
    code: "BAD_USER_INPUT",
    reason: "LIMIT_EXCEEDED",
    field: "quantity",
  };

  // Seen (new-user check of issue 17): GraphQL answered graphql-js's "Int cannot represent non-integer value: 1.5" and
  // "… non 32-bit signed integer value" where REST says "quantity: must be a whole number" or LIMIT_EXCEEDED.
  it("regression: refuses a quantity as the domain's rule does, literal or variable", async () => {
    for (const [written, expected] of [
      ["1.5", invalid("quantity", "must be a whole number")],
      ['"2"', invalid("quantity", "must be a whole number")],
      ["2147483648", beyondQuantity],
      ["9007199254740993", beyondQuantity],
    ] as const) {
      expect(await refusal(`mutation { addToCart(productId: "p", quantity: ${written}) { totalCents } }`)).toEqual(
        expected,
      );
      // Sent as JSON text, so 9007199254740993 reaches the gateway as written.
      const query = 'mutation($q: Int!) { addToCart(productId: "p", quantity: $q) { totalCents } }';
      expect(
        await refusal("", undefined, `{"query": ${JSON.stringify(query)}, "variables": {"q": ${written}}}`),
      ).toEqual(expected);
    }
  });

  // Seen: a price over the limit was LIMIT_EXCEEDED at 10000000001 but not at 9007199254740993 (SafeInt's "cannot
  // represent unsafe integer"), and a nested one was named `priceCents`, not which variant's.
  it("regression: refuses a variant's price beyond the limit as LIMIT_EXCEEDED naming that variant", async () => {
    const variants = "[{ priceCents: 1 }, { priceCents: 9007199254740993 }]";
    const beyond = {
      message: "variants[1].priceCents: must be at most 10000000000 (the shop's limit for a price)",
      code: "BAD_USER_INPUT",
      reason: "LIMIT_EXCEEDED",
      field: "variants[1].priceCents",
    };
    const literal = `mutation { createProduct(product: { name: "n", description: "", price: 0, variants: ${variants} }) { id } }`;
    expect(await refusal(literal)).toEqual(beyond);
    const query = "mutation($p: ProductInput!) { createProduct(product: $p) { id } }";
    const raw = `{"query": ${JSON.stringify(query)}, "variables": {"p": {"name": "n", "description": "", "price": 0,
      "variants": [{"priceCents": 1}, {"priceCents": 9007199254740993}]}}}`;
    expect(await refusal("", undefined, raw)).toEqual(beyond);
  });

  // Seen: the literal was GRAPHQL_VALIDATION_FAILED naming field `time`, the variable BAD_USER_INPUT naming `time`.
  it("regression: refuses an instant that is no RFC 3339 date-time naming its field, literal or variable", async () => {
    const expected = invalid("createdFrom", "must be an RFC 3339 date-time");
    expect(await refusal(`{ myOrderPage(filter: { createdFrom: "yesterday" }) { totalCount } }`)).toEqual(expected);
    const query = "query($f: Time) { myOrderPage(filter: { createdFrom: $f }) { totalCount } }";
    expect(await refusal(query, { f: "yesterday" })).toEqual(expected);
  });

  // Seen: `query($t: Int) { … pagination: { take: $t } }` with "x" named field `t`, the variable, not the input.
  it("regression: names the input field a variable feeds, or the variable when it feeds several", async () => {
    const fed = "query($t: Int) { products(pagination: { take: $t }) { id } }";
    expect(await refusal(fed, { t: "x" })).toEqual(invalid("take", "must be a whole number"));
    expect(await refusal(fed, { t: -1 })).toEqual(invalid("take", "must be at least 0"));
    const whole = "query($p: PaginationInput) { products(pagination: $p) { id } }";
    expect(await refusal(whole, { p: { skip: 2 ** 31 } })).toEqual(invalid("skip", "must be at most 2147483647"));
    const twice = "query($t: Int) { products(pagination: { skip: $t, take: $t }) { id } }";
    expect(await refusal(twice, { t: 1.5 })).toMatchObject({
      message: 'Variable "$t" (used in 2 places) got an invalid value: $t: must be a whole number',
      code: "BAD_USER_INPUT",
      field: "$t",
    });
  });
  // Seen: a variable's object without a required field, or with an unknown one, named the variable (`p`), not the field.
  it("regression: names the field a variable's object lacks, has unknown or gives null for", async () => {
    const create = "mutation($p: ProductInput!) { createProduct(product: $p) { id } }";
    expect(await refusal(create, { p: { description: "", price: 0 } })).toEqual(
      invalid("name", 'Field "name" of required type "String!" was not provided.'),
    );
    const unknown = await refusal(create, { p: { name: "n", description: "", price: 0, nme: "n" } });
    expect(unknown).toMatchObject({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "nme" });
    const variants = { name: "n", description: "", price: 0, variants: [{ priceCents: 1 }, { sku: "X" }] };
    expect(await refusal(create, { p: variants })).toMatchObject({ field: "variants[1].priceCents" });
    const add = 'mutation($q: Int!) { addToCart(productId: "p", quantity: $q) { totalCents } }';
    expect(await refusal(add, { q: null })).toEqual(invalid("quantity", "is required"));
  });
});
