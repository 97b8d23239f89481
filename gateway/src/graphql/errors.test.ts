import { AppError, invalidArgument } from "@polyscale/platform";
import { buildSchema, graphql, GraphQLError, type GraphQLScalarType } from "graphql";
import { describe, expect, it } from "vitest";
import { maskError, withGraphQLErrors } from "./errors.js";
import { TimeScalar } from "./scalars.js";

/** What one wrapped resolver throwing `error` leaves for the HTTP handler: the error it sees and what it answers. */
async function thrownThrough(error: Error): Promise<{ seen: unknown; answered: Error }> {
  const resolvers = withGraphQLErrors({
    Query: {
      field: () => Promise.reject(error),
    },
  });
  const seen = await Promise.resolve((resolvers.Query.field as () => unknown)()).catch((thrown: unknown) => thrown);
  return { seen, answered: maskError(seen) };
}

describe("GraphQL errors from resolvers", () => {
  it("answers a rule's AppError with its code, reason and field, unmasked", async () => {
    const { seen, answered } = await thrownThrough(invalidArgument("email", "must be a valid email address"));
    expect(seen).toBeInstanceOf(GraphQLError);
    expect(answered).toBe(seen);
    expect((answered as GraphQLError).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "email" });
  });

  // Seen (issue 16 review): an INTERNAL AppError (a service's INTERNAL over gRPC) reached GraphQL clients as INTERNAL
  // but was never logged, because it became an ordinary GraphQL error; REST logs it. The handler logs what maskError
  // replaces.
  it("regression: masks an INTERNAL AppError, so the handler logs it, and answers only INTERNAL", async () => {
    const { seen, answered } = await thrownThrough(new AppError("INTERNAL", "relation products does not exist"));
    expect(answered).not.toBe(seen);
    expect(answered.message).toBe("internal error");
    expect((answered as GraphQLError).extensions).toEqual({ code: "INTERNAL", reason: "INTERNAL" });
  });

  // Seen (edge property suite): myOrderPage(filter: { createdTo: "-000001-12-31T23:59:59.999Z" }) as a variable
  // answered INTERNAL: the Time scalar's AppError became the cause of graphql-js's variable error, which maskError hid.
  it("regression: a Time the scalar refuses, as a variable or a literal, answers BAD_USER_INPUT, not INTERNAL", async () => {
    const schema = buildSchema("scalar Time type Query { at(time: Time): String }");
    Object.assign(schema.getType("Time") as GraphQLScalarType, {
      parseValue: TimeScalar.parseValue,
      parseLiteral: TimeScalar.parseLiteral,
    });
    for (const [source, variableValues] of [
      ["query($time: Time) { at(time: $time) }", { time: "-000001-12-31T23:59:59.999Z" }],
      ["query($time: Time) { at(time: $time) }", { time: "2024-02-30T00:00:00Z" }],
      ['{ at(time: "2024-02-30T00:00:00Z") }', {}],
    ] as const) {
      const { errors } = await graphql({ schema, source, variableValues });
      expect(errors, source).toHaveLength(1);
      const answered = maskError(errors![0]) as GraphQLError;
      expect(answered.extensions, JSON.stringify(variableValues)).toMatchObject({ code: "BAD_USER_INPUT" });
    }
  });
});
