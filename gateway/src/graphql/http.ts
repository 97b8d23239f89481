import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  BREAK,
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse as parseDocument,
  specifiedRules,
  validate,
  visit,
  type ArgumentNode,
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ObjectFieldNode,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { describeError, type ErrorReason } from "@polyscale/platform";
import type { GatewayContext } from "../context.js";
import { recordGraphQLOperation, recordInvalidGraphQLRequest } from "../metrics.js";
import { parseJsonObject, readBody } from "../http/request-body.js";
import { HttpError } from "../http/responses.js";
import { maskError } from "./errors.js";
import { maxExpensiveMutationsRule } from "./expensive-mutations.js";
import type { GraphQLContext } from "./context.js";
import { createGatewaySchema } from "./schema.js";
import { sendGraphiQL } from "./graphiql.js";

/**
 * GraphQL over HTTP on /graphql, straight on node:http: POST with a JSON body, GET with the query in the URL (queries
 * only), GraphiQL for browsers. Each distinct query string is parsed and validated once (a bounded LRU cache), then
 * only executed. Refusals of the HTTP exchange (method, content type, body size, malformed request) throw HttpError and
 * get the REST error shape from the server's catch; GraphQL's own errors answer 200 with `{errors}`.
 */

export interface GraphQLHandlerOptions {
  maxDepth: number;
  maxCost: number;
  /** Password-hashing mutations one request may run (see expensive-mutations.ts). */
  maxExpensiveMutations: number;
  maxBodyBytes: number;
  /** Defaults to the gateway's schema (schema.graphql with its resolvers). */
  schema?: GraphQLSchema;
  /** Defaults to graphql-js's parse with MAX_TOKENS; tests pass a counting one. */
  parse?: (source: string) => DocumentNode;
  /** Distinct query strings kept parsed and validated (default 1,000). */
  cacheSize?: number;
}

/** Answers one request to /graphql; `url` is the request's parsed URL. */
export type GraphQLHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  context: GatewayContext,
  url: URL,
) => Promise<void>;

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

/** A parsed and validated query string: the document, or the errors to answer every time it is sent. */
type Prepared =
  { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

/** A Map in least-recently-used order: a hit moves its entry to the end, the first entry goes when it is full. */
export class LruCache<Key, Value> {
  private readonly entries = new Map<Key, Value>();

  constructor(private readonly limit: number) {}

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

interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

const badRequest = (field: string, message: string) =>
  new HttpError({ code: "BAD_USER_INPUT", message: `${field}: ${message}`, reason: "INVALID_INPUT", field });

function paramsOf(query: unknown, variables: unknown, operationName: unknown): GraphQLParams {
  if (typeof query !== "string" || query.trim() === "") throw badRequest("query", "must be a GraphQL document");
  if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) {
    throw badRequest("variables", "must be a JSON object");
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    throw badRequest("operationName", "must be a string");
  }
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: operationName ?? undefined,
  };
}

function paramsOfUrl(search: URLSearchParams): GraphQLParams {
  const variables = search.get("variables");
  let parsedVariables: unknown;
  if (variables !== null && variables !== "") {
    try {
      parsedVariables = JSON.parse(variables);
    } catch {
      throw badRequest("variables", "must be a JSON object");
    }
  }
  return paramsOf(search.get("query"), parsedVariables, search.get("operationName"));
}

/** application/json or application/graphql-response+json, with or without parameters (charset). */
function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === "application/json" || type === "application/graphql-response+json";
}

/** GraphiQL for browsers: a GET that accepts HTML (as Yoga decided). */
function wantsGraphiQL(request: IncomingMessage): boolean {
  return request.headers.accept?.includes("text/html") ?? false;
}

function withCode(error: GraphQLError, code: string, reason: ErrorReason, message = error.message): GraphQLError {
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
function withField(error: GraphQLError): GraphQLError {
  const variable = /^Variable "\$(\w+)"/.exec(error.message)?.[1];
  if (variable === undefined) return error;
  const path = / at "([^"]+)";/.exec(error.message)?.[1] ?? variable;
  const names = path.split(/[.[\]]+/).filter((name) => name !== "" && !/^\d+$/.test(name));
  error.extensions.field = names.at(-1) ?? variable;
  return error;
}

/** A scalar's own refusal of a literal (graphql-js's Int: "Int cannot represent non 32-bit signed integer value: …"). */
const LITERAL_COERCION = /cannot represent/;

/** The argument or input field a literal value is written for (`skip` in `pagination: { skip: 2147483648 }`). */
function fieldOfLiteral(document: DocumentNode, value: ASTNode): string | undefined {
  let field: string | undefined;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (node !== value) return undefined;
      // graphql-js passes the direct parent (the argument or object field, for a scalar) apart from the ancestors.
      field = [...ancestors, parent].findLast(
        (ancestor): ancestor is ArgumentNode | ObjectFieldNode =>
          !Array.isArray(ancestor) &&
          ((ancestor as ASTNode).kind === Kind.ARGUMENT || (ancestor as ASTNode).kind === Kind.OBJECT_FIELD),
      )?.name.value;
      return BREAK;
    },
  });
  return field;
}

/**
 * A literal the argument's type refuses is the caller's input, as the same value in a variable is: BAD_USER_INPUT
 * naming the argument or input field, not a query validation failure. Undefined for any other validation error.
 */
function literalInputError(document: DocumentNode, error: GraphQLError): GraphQLError | undefined {
  const value = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (!value || !LITERAL_COERCION.test(error.message)) return undefined;
  const field = fieldOfLiteral(document, value);
  if (field === undefined) return undefined;
  const coded = withCode(error, "BAD_USER_INPUT", "INVALID_INPUT", `${field}: ${error.message}`);
  coded.extensions.field = field;
  return coded;
}

const tracer = trace.getTracer("@polyscale/gateway");

/**
 * Runs one operation inside a span named as the OTel GraphQL conventions say ("mutation checkout": type, then the
 * operation's name, or the type alone), and counts and times it. Only the type and the name are recorded: never the
 * document or its variables, which may hold passwords or emails. Without a tracing SDK the span is a no-op.
 */
async function tracedOperation(operation: OperationDefinitionNode, run: () => Promise<ExecutionResult>): Promise<void> {
  const name = operation.name?.value;
  const started = performance.now();
  await tracer.startActiveSpan(name ? `${operation.operation} ${name}` : operation.operation, async (span) => {
    span.setAttribute("graphql.operation.type", operation.operation);
    if (name) span.setAttribute("graphql.operation.name", name);
    try {
      const result = await run();
      const outcome = result.errors ? "error" : "ok";
      if (result.errors) span.setStatus({ code: SpanStatusCode.ERROR });
      recordGraphQLOperation(operation, outcome, (performance.now() - started) / 1000);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      recordGraphQLOperation(operation, "error", (performance.now() - started) / 1000);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function createGraphQLHandler(options: GraphQLHandlerOptions): GraphQLHandler {
  const schema = options.schema ?? createGatewaySchema();
  const parse = options.parse ?? ((source: string) => parseDocument(source, { maxTokens: MAX_TOKENS }));
  const rules = validationRules(options);
  const cache = new LruCache<string, Prepared>(options.cacheSize ?? DEFAULT_CACHE_SIZE);

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
          literalInputError(document, error) ??
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

  /**
   * Unexpected errors reach the client masked (maskError) and are logged without stack. Errors before execution are
   * the caller's: no operation to run for the name given (OPERATION_RESOLUTION_FAILURE, as Yoga said), or variables
   * that do not fit their types (BAD_USER_INPUT).
   */
  function masked(result: ExecutionResult, context: GatewayContext, operationFound: boolean): ExecutionResult {
    if (!result.errors) return result;
    const beforeExecution = !("data" in result);
    const errors = result.errors.map((error) => {
      const safe = maskError(error) as GraphQLError;
      if (safe !== error) {
        context.logger.error({ err: describeError(error.originalError ?? error), path: error.path }, "graphql error");
        return safe;
      }
      if (!beforeExecution || error.extensions.code !== undefined) return error;
      return operationFound
        ? withField(withCode(error, "BAD_USER_INPUT", "INVALID_INPUT"))
        : withCode(error, "OPERATION_RESOLUTION_FAILURE", "INVALID_QUERY");
    });
    return { ...result, errors };
  }

  function send(request: IncomingMessage, response: ServerResponse, context: GatewayContext, result: ExecutionResult) {
    const body = JSON.stringify(result);
    const wantsGraphQLResponse = request.headers.accept?.includes("application/graphql-response+json") ?? false;
    // GraphQL over HTTP: application/json answers 200 whatever the errors; the newer media type answers 400 when
    // there is no data at all (the query was refused before execution), as Yoga did.
    const status = wantsGraphQLResponse && !("data" in result) ? 400 : 200;
    response.writeHead(status, {
      "content-type": wantsGraphQLResponse
        ? "application/graphql-response+json; charset=utf-8"
        : "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      // How many calls each service got for this query: the bench and the tests read it.
      "server-timing": context.calls.serverTiming(),
    });
    response.end(body);
  }

  return async (request, response, context, url) => {
    let params: GraphQLParams;
    if (request.method === "POST") {
      if (!isJsonContentType(request.headers["content-type"])) {
        throw new HttpError({
          code: "UNSUPPORTED_MEDIA_TYPE",
          message: "content-type must be application/json",
          reason: "UNSUPPORTED_MEDIA_TYPE",
        });
      }
      const body = parseJsonObject(await readBody(request, options.maxBodyBytes));
      params = paramsOf(body.query, body.variables, body.operationName);
    } else if (request.method === "GET") {
      if (wantsGraphiQL(request)) {
        await sendGraphiQL(request, response);
        return;
      }
      params = paramsOfUrl(url.searchParams);
    } else {
      response.setHeader("allow", "GET, POST");
      throw new HttpError({
        code: "METHOD_NOT_ALLOWED",
        message: `${request.method} is not allowed on /graphql`,
        reason: "METHOD_NOT_ALLOWED",
      });
    }

    const started = performance.now();
    /** Answers a request refused before execution, and counts it (outcome invalid). */
    const refuse = (result: ExecutionResult) => {
      recordInvalidGraphQLRequest((performance.now() - started) / 1000);
      send(request, response, context, result);
    };
    const { document, errors } = prepared(params.query);
    if (errors) return refuse({ errors });
    const operation = getOperationAST(document, params.operationName);
    if (request.method === "GET") {
      if (operation && operation.operation !== OperationTypeNode.QUERY) {
        response.setHeader("allow", "POST");
        throw new HttpError({
          code: "METHOD_NOT_ALLOWED",
          message: `a ${operation.operation} must be sent with POST`,
          reason: "METHOD_NOT_ALLOWED",
        });
      }
    }
    // graphql-js validates a subscription against a schema without a Subscription type and fails it only while
    // executing, with no code; the schema has none, so it is refused here like any invalid document.
    if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
      const error = new GraphQLError("subscriptions are not supported; the schema has no Subscription type", {
        nodes: operation,
      });
      return refuse({ errors: [withCode(error, "GRAPHQL_VALIDATION_FAILED", "INVALID_QUERY")] });
    }
    const contextValue: GraphQLContext = { gateway: context };
    const run = async () => {
      const result = await execute({
        schema,
        document,
        contextValue,
        variableValues: params.variables,
        operationName: params.operationName,
      });
      send(request, response, context, masked(result, context, operation !== null));
      return result;
    };
    if (!operation) {
      // No operation of that name in the document: execute answers which, runs nothing, and it counts as invalid.
      await run();
      recordInvalidGraphQLRequest((performance.now() - started) / 1000);
      return;
    }
    await tracedOperation(operation, run);
  };
}
