import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { resolvers, type GraphQLContext } from "./resolvers.js";

/** The SDL is a source file, read at start from src/ (the same path from src/graphql and dist/graphql). */
const schemaFile = new URL("../../src/schema.graphql", import.meta.url);

export function loadTypeDefs(): string {
  return readFileSync(schemaFile, "utf8");
}

/** The gateway's executable schema: schema.graphql with the resolvers of resolvers.ts. */
export function createGatewaySchema(): GraphQLSchema {
  return makeExecutableSchema<GraphQLContext>({ typeDefs: loadTypeDefs(), resolvers });
}
