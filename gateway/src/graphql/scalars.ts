import { GraphQLScalarType, Kind } from "graphql";
import { requireInstant } from "@polyscale/platform";

export { GraphQLSafeInt as SafeIntScalar } from "graphql-scalars";

export const TimeScalar = new GraphQLScalarType<Date, string>({
  name: "Time",
  description: "An instant, as an RFC 3339 string.",
  serialize(value) {
    if (!(value instanceof Date)) throw new TypeError("Time must be a Date");
    return value.toISOString();
  },
  parseValue(value) {
    return requireInstant("time", value);
  },
  parseLiteral(node) {
    return requireInstant("time", node.kind === Kind.STRING ? node.value : undefined);
  },
});
