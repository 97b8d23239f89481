import { describe, expect, it } from "vitest";
import { Role } from "@polyscale/account";
import { SearchSort } from "@polyscale/product";
import { orderStatusByName, paymentKindByName, roleNames, valuesByName } from "../rest/representations.js";
import { enums } from "./enums.js";

// The schema's enums are checked against schema.graphql by the compiler (enums.ts); REST reads its names from the
// contracts. These fail when a contract adds a value that the GraphQL schema, or REST's list of roles, leaves out.
describe("the enums of both skins", () => {
  it("name every value of the contract's order statuses and payment kinds, each by the same name", () => {
    expect(Object.fromEntries(orderStatusByName)).toEqual(enums.OrderStatus);
    expect(Object.fromEntries(paymentKindByName)).toEqual(enums.PaymentKind);
  });

  it("name every role of the contract, and GraphQL every sort order of a search", () => {
    expect(Object.fromEntries(valuesByName(Role, "ROLE_"))).toEqual(roleNames);
    expect(Object.fromEntries(valuesByName(Role, "ROLE_"))).toEqual(enums.Role);
    expect(Object.fromEntries(valuesByName(SearchSort, "SEARCH_SORT_"))).toEqual(enums.ProductSort);
  });
});
