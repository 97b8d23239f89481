import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import {
  execute,
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { describeError } from "@polyscale/platform";
import type { GatewayContext } from "../context.js";
import { recordGraphQLOperation, recordInvalidGraphQLRequest } from "../metrics.js";
import { parseJsonObject, readBody } from "../http/request-body.js";
import { HttpError } from "../http/responses.js";
import type { GraphQLContext } from "./context.js";
import { createDocumentCache } from "./documents.js";
import { maskError, withCode, withField } from "./errors.js";
import { variableInputErrors } from "./input-errors.js";
import { sendGraphiQL } from "./graphiql.js";
import { createGatewaySchema } from "./schema.js";

/**
 * GraphQL over HTTP on /graphql, straight on node:http: POST with a JSON body, GET with the query in the URL (queries
 * only), GraphiQL for browsers. Each distinct query string is parsed and validated once (documents.ts), then only
 * executed. Refusals of the HTTP exchange (method, content type, body size, malformed request) throw HttpError and
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
  const prepared = createDocumentCache({ ...options, schema });

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
    // Values of variables their scalars refuse, answered as the same values written into the query are: BAD_USER_INPUT
    // naming the input field each feeds, with the domain's message (input-errors.ts).
    const refusedVariables = operation ? variableInputErrors(schema, document, operation, params.variables ?? {}) : [];
    if (refusedVariables.length > 0) return refuse({ errors: refusedVariables });
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
