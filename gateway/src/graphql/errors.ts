import { GraphQLError } from "graphql";
import { AppError, cleanTextDeep, type ErrorReason } from "@polyscale/platform";
import { publicErrorOf } from "../http/errors.js";

/**
 * An error for a GraphQL response: `extensions.code` and `.reason` (and `.field` when it names one,
 * `.retryAfterSeconds` for TOO_MANY_REQUESTS).
 */
export function graphQLErrorOf(error: unknown): GraphQLError {
  const { message, ...extensions } = publicErrorOf(error);
  return new GraphQLError(message, { extensions });
}

/**
 * GraphQL's own errors (syntax, validation, limits) and those made by graphQLErrorOf pass as they are; anything else
 * was unexpected and reaches the client only as INTERNAL (the handler in http.ts logs the original).
 */
export function maskError(error: unknown): Error {
  if (error instanceof GraphQLError && isOriginal(error)) return error;
  return new GraphQLError("internal error", {
    extensions: { code: "INTERNAL", reason: "INTERNAL" },
    ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
  });
}

function isOriginal(error: GraphQLError): boolean {
  const cause = error.originalError;
  if (cause === undefined || cause === null) return true;
  return cause instanceof GraphQLError && isOriginal(cause);
}

type Resolver = (parent: unknown, args: unknown, context: unknown, info: unknown) => unknown;

/** Wraps every field resolver so the AppErrors it throws (rules, validation, services) become GraphQL errors. */
export function withGraphQLErrors<Resolvers extends Record<string, Record<string, unknown>>>(
  resolvers: Resolvers,
): Resolvers {
  const wrapped: Record<string, Record<string, unknown>> = {};
  for (const [typeName, fields] of Object.entries(resolvers)) {
    wrapped[typeName] = {};
    for (const [fieldName, resolver] of Object.entries(fields)) {
      wrapped[typeName][fieldName] = typeof resolver === "function" ? wrap(resolver as Resolver) : resolver;
    }
  }
  return wrapped as Resolvers;
}

/** Arguments are checked and NFC-normalised (cleanTextDeep) before any resolver sees them, literals and variables alike. */
function wrap(resolver: Resolver): Resolver {
  return (parent, args, context, info) => {
    try {
      const result = resolver(parent, cleanTextDeep(args, "input"), context, info);
      return result instanceof Promise ? result.catch(rethrow) : result;
    } catch (error) {
      return rethrow(error);
    }
  };
}

/**
 * Unexpected errors go on unchanged, for maskError to hide and the handler to log; so do AppErrors that reach the
 * client as INTERNAL (e.g. a service's INTERNAL over gRPC), which REST logs too. Every other AppError becomes the
 * client's GraphQL error.
 */
function rethrow(error: unknown): never {
  throw error instanceof AppError && publicErrorOf(error).code !== "INTERNAL" ? graphQLErrorOf(error) : error;
}

/**
 * `answer`, with a refusal naming a field the services name otherwise given the name of this GraphQL input
 * (`names`: the service's name to ours, e.g. createProduct's `{ priceCents: "price" }`), message included, so the
 * client is told the field it sent.
 */
export async function withInputNames<T>(answer: Promise<T>, names: Readonly<Record<string, string>>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    const name = error instanceof AppError && error.field !== undefined ? names[error.field] : undefined;
    if (name === undefined) throw error;
    const { code, field, reason, message } = error as AppError;
    throw new AppError(
      code,
      message.startsWith(`${field}:`) ? name + message.slice(field!.length) : message,
      name,
      reason,
    );
  }
}

/**
 * A value the schema declares non-null that a service left out (proto3 message fields are optional): an unexpected
 * error, so the client sees INTERNAL and the handler logs it, as graphql-js did with the null itself.
 */
export function nonNull<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} missing from a service response`);
  return value;
}

/** The error with a code and reason for the client (graphql-js leaves extensions empty). */
export function withCode(
  error: GraphQLError,
  code: string,
  reason: ErrorReason,
  message = error.message,
): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.nodes ? undefined : error.source,
    positions: error.nodes ? undefined : error.positions,
    path: error.path,
    extensions: { ...error.extensions, code, reason },
  });
}

/**
 * graphql-js names the input at fault only in its message: `Variable "$p" got invalid value 2147483648 at "p.skip"; …`.
 * The field is the last name of that path (skip), or the variable's name; like every BAD_USER_INPUT it goes in
 * `extensions.field`.
 */
export function withField(error: GraphQLError): GraphQLError {
  const variable = /^Variable "\$(\w+)"/.exec(error.message)?.[1];
  if (variable === undefined) return error;
  const path = / at "([^"]+)";/.exec(error.message)?.[1] ?? variable;
  const names = path.split(/[.[\]]+/).filter((name) => name !== "" && !/^\d+$/.test(name));
  error.extensions.field = names.at(-1) ?? variable;
  return error;
}
