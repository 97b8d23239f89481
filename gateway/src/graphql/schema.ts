import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import type { GraphQLContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";

/** The SDL is a source file, read at start from src/ (the same path from src/graphql and dist/graphql). */
const schemaFile = new URL("../../src/graphql/schema.graphql", import.meta.url);

export function loadTypeDefs(): string {
  return readFileSync(schemaFile, "utf8");
}

/** The gateway's executable schema: schema.graphql with the resolvers of resolvers/. */
export function createGatewaySchema(): GraphQLSchema {
  return makeExecutableSchema<GraphQLContext>({ typeDefs: loadTypeDefs(), resolvers });
}
