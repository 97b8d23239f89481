import { Kind, type OperationDefinitionNode } from "graphql";
import { counter, histogram } from "@polyscale/platform";

/**
 * The gateway's request metrics. Labels are bounded: the HTTP method from a fixed list, the route as its template
 * (/order/{id}, never the id), the GraphQL operation as the schema field it selects (never the client's operation name,
 * which is free text).
 */

const httpLabels = ["method", "route", "status_code"] as const;

const httpRequests = counter({
  name: "http_server_requests_total",
  help: "HTTP requests answered by the gateway, by method, route template and status code",
  labelNames: httpLabels,
});

const httpDuration = histogram({
  name: "http_server_request_duration_seconds",
  help: "Time from receiving an HTTP request to finishing the response, by method, route template and status code",
  labelNames: httpLabels,
});

const graphqlLabels = ["operation_type", "operation", "outcome"] as const;

const graphqlOperations = counter({
  name: "graphql_operations_total",
  help:
    "GraphQL operations, by type, root field and outcome (ok; error when any error was returned; invalid when the " +
    "request was refused before execution, with type and root field invalid)",
  labelNames: graphqlLabels,
});

const graphqlDuration = histogram({
  name: "graphql_operation_duration_seconds",
  help: "Time to execute one GraphQL operation (or to refuse an invalid one), by type, root field and outcome",
  labelNames: graphqlLabels,
});

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Route label of a request that matched no route (404s from scanners would otherwise mint a series per path). */
export const UNMATCHED_ROUTE = "unmatched";

export function recordHttpRequest(
  method: string | undefined,
  route: string,
  statusCode: number,
  seconds: number,
): void {
  const labels = {
    method: method !== undefined && HTTP_METHODS.has(method) ? method : "OTHER",
    route,
    status_code: String(statusCode),
  };
  httpRequests.inc(labels);
  httpDuration.observe(labels, seconds);
}

/**
 * The operation label: the root field the operation selects (`checkout`, `searchProducts`), bounded by the schema;
 * `multiple` when it selects several root fields, `fragment` when its root is only fragments.
 */
export function operationLabel(operation: OperationDefinitionNode): string {
  const selections = operation.selectionSet.selections;
  if (selections.length > 1) return "multiple";
  const [only] = selections;
  return only?.kind === Kind.FIELD ? only.name.value : "fragment";
}

export function recordGraphQLOperation(
  operation: OperationDefinitionNode,
  outcome: "ok" | "error",
  seconds: number,
): void {
  observeGraphQL({ operation_type: operation.operation, operation: operationLabel(operation), outcome }, seconds);
}

/**
 * A GraphQL request refused before execution: a document that does not parse or validate, a subscription, an
 * operationName the document lacks. Its labels are all `invalid` (nothing the client wrote becomes a label).
 */
export function recordInvalidGraphQLRequest(seconds: number): void {
  observeGraphQL({ operation_type: "invalid", operation: "invalid", outcome: "invalid" }, seconds);
}

function observeGraphQL(labels: Record<(typeof graphqlLabels)[number], string>, seconds: number): void {
  graphqlOperations.inc(labels);
  graphqlDuration.observe(labels, seconds);
}
