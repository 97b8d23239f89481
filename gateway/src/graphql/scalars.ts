import { GraphQLScalarType, Kind } from "graphql";
import { invalidArgument } from "@polyscale/platform";

export { GraphQLSafeInt as SafeIntScalar } from "graphql-scalars";

export const TimeScalar = new GraphQLScalarType<Date, string>({
  name: "Time",
  description: "An instant, as an RFC 3339 string.",
  serialize(value) {
    if (!(value instanceof Date)) throw new TypeError("Time must be a Date");
    return value.toISOString();
  },
  parseValue(value) {
    return parseTime(value);
  },
  parseLiteral(node) {
    return parseTime(node.kind === Kind.STRING ? node.value : undefined);
  },
});

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(value: unknown): Date {
  const date = typeof value === "string" && RFC_3339.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalidArgument("time", "must be an RFC 3339 date-time");
  return date;
}
