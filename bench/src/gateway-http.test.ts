import { describe, expect, it } from "vitest";
import { isGraphqlSuccess, parseDownstreamCalls } from "./gateway-http.js";

describe("parseDownstreamCalls", () => {
  it("reads the call count of each service", () => {
    const header = 'account;desc="calls=1";dur=2.5, product;desc="calls=0";dur=0.0, order;desc="calls=3";dur=9.1';
    expect(parseDownstreamCalls(header)).toEqual({ account: 1, product: 0, order: 3 });
  });

  it("is empty without the header and skips entries without a count", () => {
    expect(parseDownstreamCalls(null)).toEqual({});
    expect(parseDownstreamCalls('cache;dur=1, order;desc="calls=2"')).toEqual({ order: 2 });
  });
});

describe("isGraphqlSuccess", () => {
  it("tells data from errors", () => {
    expect(isGraphqlSuccess('{"data":{"products":[]}}')).toBe(true);
    expect(isGraphqlSuccess('{"errors":[{"message":"x"}],"data":null}')).toBe(false);
  });
});
