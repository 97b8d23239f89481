import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  GraphQLError,
  parse as parseDocument,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { withCode } from "./errors.js";
import { maxExpensiveMutationsRule } from "./expensive-mutations.js";
import { literalInputError } from "./input-errors.js";

/**
 * Query strings to documents: parsed (at most MAX_TOKENS tokens) and validated against the schema with graphql-js's
 * rules and our limits, each distinct string once (a bounded LRU cache), with their errors coded for the client.
 */

/** Tokens one document may hold (what graphql-armor's maxTokens allowed before). */
export const MAX_TOKENS = 1000;
/** Aliases one operation may use. */
export const MAX_ALIASES = 15;
/** Directives one operation may use (graphql-armor's default, as before). */
export const MAX_DIRECTIVES = 50;
const DEFAULT_CACHE_SIZE = 1000;
/** Longer query strings are parsed and validated every time rather than cached: the cache stays small. */
const MAX_CACHED_QUERY_LENGTH = 16_384;
const SUGGESTION = /Did you mean ".+"\?/g;

/** Armor's limits report like any validation rule (with the default, the first one over a limit would throw). */
const reportedAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** graphql-js's rules plus graphql-armor's depth, cost, alias and directive limits, and our expensive-mutation cap. */
export function validationRules(options: {
  maxDepth: number;
  maxCost: number;
  maxExpensiveMutations: number;
}): ValidationRule[] {
  return [
    ...specifiedRules,
    maxDepthRule({ n: options.maxDepth, ...reportedAsValidationError }),
    costLimitRule({ maxCost: options.maxCost, ...reportedAsValidationError }),
    maxAliasesRule({ n: MAX_ALIASES, ...reportedAsValidationError }),
    maxDirectivesRule({ n: MAX_DIRECTIVES, ...reportedAsValidationError }),
    maxExpensiveMutationsRule(options.maxExpensiveMutations),
  ] as ValidationRule[];
}

/** A Map in least-recently-used order: a hit moves its entry to the end, the first entry goes when it is full. */
export class LruCache<Key, Value> {
  private readonly entries = new Map<Key, Value>();
  private readonly limit: number;

  /** `limit`: most entries kept. */
  constructor(options: { limit: number }) {
    this.limit = options.limit;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: Key): Value | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: Key, value: Value): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as Key);
  }
}

/** A parsed and validated query string: the document, or the errors to answer every time it is sent. */
export type Prepared =
  { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

export interface DocumentOptions {
  schema: GraphQLSchema;
  maxDepth: number;
  maxCost: number;
  /** Password-hashing mutations one request may run (see expensive-mutations.ts). */
  maxExpensiveMutations: number;
  /** Defaults to graphql-js's parse with MAX_TOKENS; tests pass a counting one. */
  parse?: (source: string) => DocumentNode;
  /** Distinct query strings kept parsed and validated (default 1,000). */
  cacheSize?: number;
}

/** Returns the prepared document of a query string, from the cache when it was seen recently. */
export function createDocumentCache(options: DocumentOptions): (query: string) => Prepared {
  const { schema } = options;
  const parse = options.parse ?? ((source: string) => parseDocument(source, { maxTokens: MAX_TOKENS }));
  const rules = validationRules(options);
  const cache = new LruCache<string, Prepared>({ limit: options.cacheSize ?? DEFAULT_CACHE_SIZE });

  /** Parse and validation errors carry a code, so clients can tell a refused query from a failure. */
  function prepare(query: string): Prepared {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return { errors: [withCode(error, "GRAPHQL_PARSE_FAILED", "INVALID_QUERY")] };
    }
    const errors = validate(schema, document, rules);
    if (errors.length === 0) return { document };
    return {
      // Suggestions hidden as graphql-armor's blockFieldSuggestions did: no schema hints for whoever probes it.
      errors: errors.map(
        (error) =>
          // A literal its scalar refuses is the caller's input, as the same value in a variable is (input-errors.ts).
          literalInputError(schema, document, error) ??
          withCode(
            error,
            "GRAPHQL_VALIDATION_FAILED",
            "INVALID_QUERY",
            error.message.replace(SUGGESTION, "[Suggestion hidden]").trim(),
          ),
      ),
    };
  }

  function prepared(query: string): Prepared {
    if (query.length > MAX_CACHED_QUERY_LENGTH) return prepare(query);
    let entry = cache.get(query);
    if (entry === undefined) {
      entry = prepare(query);
      cache.set(query, entry);
    }
    return entry;
  }

  return prepared;
}
