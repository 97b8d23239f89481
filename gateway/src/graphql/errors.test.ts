import { AppError, invalidArgument } from "@polyscale/platform";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { maskError, withGraphQLErrors } from "./errors.js";

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
});
