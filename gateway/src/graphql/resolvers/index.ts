import type { MutationResolvers, QueryResolvers, Resolvers } from "../gen/resolvers-types.js";
import { enums } from "../enums.js";
import { withGraphQLErrors } from "../errors.js";
import { SafeIntScalar, TimeScalar } from "../scalars.js";
import * as accounts from "./accounts.js";
import * as addresses from "./addresses.js";
import * as cart from "./cart.js";
import * as catalog from "./catalog.js";
import * as orders from "./orders.js";
import * as payments from "./payments.js";
import * as sessions from "./sessions.js";

/**
 * The resolver map, one file per domain as in ../../domain. Its types are generated from schema.graphql
 * (generate.mjs), and every root field must have a resolver (Required): a field added to the schema without one, or a
 * resolver whose arguments or result no longer match it, fails to compile.
 */

const Query: Required<QueryResolvers> = { ...accounts.Query, ...catalog.Query, ...cart.Query, ...orders.Query };

const Mutation: Required<MutationResolvers> = {
  ...accounts.Mutation,
  ...addresses.Mutation,
  ...sessions.Mutation,
  ...catalog.Mutation,
  ...cart.Mutation,
  ...orders.Mutation,
  ...payments.Mutation,
};

export const resolvers: Resolvers = {
  Time: TimeScalar,
  SafeInt: SafeIntScalar,
  ...enums,
  ...withGraphQLErrors({
    Query,
    Mutation,
    ...accounts.types,
    ...sessions.types,
    ...catalog.types,
    ...cart.types,
    ...orders.types,
    ...payments.types,
  }),
};
