import { readFileSync } from "node:fs";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError, type ValidationContext } from "graphql";
import { createSchema, createYoga, type Plugin, type YogaLogger } from "graphql-yoga";
import { describeError, type Logger } from "@polyscale/platform";
import { maskError } from "./errors.js";
import { resolvers, type GraphQLContext } from "./resolvers.js";

/** The SDL is a source file, read at start from src/ (the same path from src/graphql and dist/graphql). */
const schemaFile = new URL("../../src/schema.graphql", import.meta.url);

export function loadTypeDefs(): string {
  return readFileSync(schemaFile, "utf8");
}

/** Yoga's log calls in our structured logger; errors are described without stacks, SQL or addresses. */
function yogaLogger(logger: Logger): YogaLogger {
  const describe = (args: unknown[]) => args.map((arg) => (arg instanceof Error ? describeError(arg) : arg));
  return {
    debug: (...args) => logger.debug({ yoga: describe(args) }, "graphql"),
    info: (...args) => logger.info({ yoga: describe(args) }, "graphql"),
    warn: (...args) => logger.warn({ yoga: describe(args) }, "graphql"),
    error: (...args) => logger.error({ err: describe(args) }, "graphql error"),
  };
}

export interface GraphQLOptions {
  logger: Logger;
  maxDepth: number;
  maxCost: number;
  maxBodyBytes: number;
}

/**
 * A query that is not valid for the schema or goes over a limit (depth, cost, aliases: armor adds those as validation
 * rules) gets a code like every other error, so clients can tell a refused query from a failure.
 */
const validationErrorCode: Plugin = {
  onValidate: () => ({ valid, result, setResult }) => {
    if (valid) return;
    setResult(
      result.map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { ...error.extensions, code: "GRAPHQL_VALIDATION_FAILED" },
          }),
      ),
    );
  },
};

/** Armor's limits report like any validation rule (armor would otherwise throw, skipping validationErrorCode). */
const reportedAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** GraphQL Yoga on /graphql with GraphiQL for browsers, masked errors and graphql-armor's limits. */
export function createGraphQLServer(options: GraphQLOptions) {
  return createYoga<GraphQLContext>({
    schema: createSchema<GraphQLContext>({ typeDefs: loadTypeDefs(), resolvers }),
    graphqlEndpoint: "/graphql",
    graphiql: { title: "PolyScale" },
    landingPage: false,
    logging: yogaLogger(options.logger),
    maskedErrors: { maskError },
    maxRequestBodySize: options.maxBodyBytes,
    multipart: false,
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: options.maxDepth, ...reportedAsValidationError },
        costLimit: { maxCost: options.maxCost, ...reportedAsValidationError },
        maxAliases: { n: 15, ...reportedAsValidationError },
      }),
      validationErrorCode,
      {
        // How many calls each service got for this query: the bench and the tests read it.
        onResponse({ response, serverContext }) {
          const gateway = (serverContext as Partial<GraphQLContext>).gateway;
          if (gateway) response.headers.set("server-timing", gateway.calls.serverTiming());
        },
      },
    ],
  });
}

export type GraphQLServer = ReturnType<typeof createGraphQLServer>;
