import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { requireInstant } from "@polyscale/platform";
import { graphQLErrorOf } from "./errors.js";

export { GraphQLSafeInt as SafeIntScalar } from "graphql-scalars";

export const TimeScalar = new GraphQLScalarType<Date, string>({
  name: "Time",
  description: "An instant, as an RFC 3339 string.",
  serialize(value) {
    if (!(value instanceof Date)) throw new TypeError("Time must be a Date");
    return value.toISOString();
  },
  parseValue(value) {
    return instant(value);
  },
  parseLiteral(node) {
    return instant(node.kind === Kind.STRING ? node.value : undefined, node);
  },
});

/**
 * requireInstant for the scalar, its refusal as a GraphQLError with code and reason: graphql-js keeps any other error
 * a scalar throws as the cause of its own, which maskError answers as INTERNAL (seen: a variable
 * "-000001-12-31T23:59:59.999Z" for OrderFilter.createdTo). A literal's refusal carries its node, so that
 * input-errors.ts can name the input field it was written for (the scalar does not know it).
 */
function instant(value: unknown, node?: ValueNode): Date {
  try {
    return requireInstant("time", value);
  } catch (error) {
    const { message, extensions } = graphQLErrorOf(error);
    throw new GraphQLError(message, { nodes: node, extensions });
  }
}
