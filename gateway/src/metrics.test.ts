import { parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { operationLabel } from "./metrics.js";

const operationOf = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

describe("GraphQL operation label", () => {
  it("is the root field selected, whatever name the client gave the operation", () => {
    expect(operationLabel(operationOf(`mutation MyVeryOwnName_123 { checkout { id } }`))).toBe("checkout");
    expect(operationLabel(operationOf(`{ searchProducts(query: "x") { totalCount } }`))).toBe("searchProducts");
  });

  it("buckets operations selecting several root fields or only fragments", () => {
    expect(operationLabel(operationOf(`{ me { id } products { id } }`))).toBe("multiple");
    expect(operationLabel(operationOf(`{ ...F } fragment F on Query { me { id } }`))).toBe("fragment");
  });
});
