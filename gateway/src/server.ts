import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { trace } from "@opentelemetry/api";
import { REQUEST_ID_KEY, type Logger } from "@polyscale/platform";
import type { TokenVerifier } from "./auth.js";
import { createGatewayContext, requestIdOf, type GatewayContext } from "./context.js";
import { answerClientError } from "./http/client-errors.js";
import { handleCors } from "./http/cors.js";
import { createGraphQLHandler } from "./graphql/http.js";
import { sendError, sendJson } from "./http/responses.js";
import { openApiDocument } from "./rest/openapi.js";
import { createRestHandler } from "./rest/router.js";
import { restRoutes } from "./rest/routes.js";
import { recordHttpRequest, UNMATCHED_ROUTE } from "./metrics.js";
import type { Services } from "./services.js";
import type { TrustProxy } from "./config.js";
import type { Throttle } from "./throttle.js";

export interface GatewayServerOptions {
  logger: Logger;
  services: Services;
  verifier: TokenVerifier;
  grpcDeadlineMs: number;
  /** ISO 4217 code of requests that name no currency (DEFAULT_CURRENCY). */
  defaultCurrency: string;
  trustProxy: TrustProxy;
  throttle: Throttle;
  corsAllowedOrigins: readonly string[];
  maxBodyBytes: number;
  graphqlMaxDepth: number;
  graphqlMaxCost: number;
  graphqlMaxExpensiveMutations: number;
  paymentWebhookSecret: string;
  /** Seconds a client may take to send the request headers, and the whole request (Node's headersTimeout, requestTimeout). */
  httpHeadersTimeoutSeconds: number;
  httpRequestTimeoutSeconds: number;
  /** Open connections beyond which new ones are dropped (Node's server.maxConnections). */
  httpMaxConnections: number;
}

/** How long /readyz waits for a channel that is connecting or backing off before it says the service is down. */
const READY_WAIT_MS = 500;

/**
 * One HTTP server for everything: GraphQL (and GraphiQL) on /graphql, the REST routes, /openapi.json, the payment
 * webhook, and the probes /healthz (alive) and /readyz (the gateway's own channel to each of the three services is
 * connected and the service answers its health check over it: 200 means calls through the gateway reach them now).
 */
export function createGatewayServer(options: GatewayServerOptions): Server {
  const { logger } = options;
  const graphql = createGraphQLHandler({
    maxDepth: options.graphqlMaxDepth,
    maxCost: options.graphqlMaxCost,
    maxExpensiveMutations: options.graphqlMaxExpensiveMutations,
    maxBodyBytes: options.maxBodyBytes,
  });
  const routes = restRoutes(options);
  const rest = createRestHandler({ routes, maxBodyBytes: options.maxBodyBytes });
  const openApi = openApiDocument(routes);

  async function ready(response: ServerResponse) {
    const names = ["account", "product", "order"] as const;
    // Under a second in all, the default timeout of a Kubernetes probe; a channel that connects sooner answers sooner.
    const results = await Promise.all(names.map((name) => options.services[name].isReady(READY_WAIT_MS)));
    const services = Object.fromEntries(names.map((name, index) => [name, results[index] ? "up" : "down"]));
    sendJson(response, results.every(Boolean) ? 200 : 503, { services });
  }

  /** Where a request went, for its metrics: a fixed path or a route template. */
  interface Routed {
    route: string;
  }

  /** Records the route for the metrics, and on the request's span as the HTTP conventions name it ("GET /product/{id}"). */
  function routeFound(request: IncomingMessage, routed: Routed, route: string) {
    routed.route = route;
    const span = trace.getActiveSpan();
    span?.setAttribute("http.route", route);
    span?.updateName(`${request.method} ${route}`);
  }

  const fixedPaths = new Set(["/healthz", "/readyz", "/", "/openapi.json", "/graphql"]);

  async function handle(request: IncomingMessage, response: ServerResponse, context: GatewayContext, routed: Routed) {
    const url = new URL(request.url ?? "/", "http://gateway");
    if (fixedPaths.has(url.pathname)) routeFound(request, routed, url.pathname);
    if (url.pathname === "/healthz") return sendJson(response, 200, { status: "alive" });
    if (url.pathname === "/readyz") return ready(response);
    if (url.pathname === "/" && request.method === "GET") {
      response.writeHead(302, { location: "/graphql" }).end();
      return;
    }
    if (url.pathname === "/openapi.json" && request.method === "GET") return sendJson(response, 200, openApi);
    if (url.pathname === "/graphql") {
      await graphql(request, response, context, url);
      return;
    }
    return rest(context, request, response, url, (route) => routeFound(request, routed, route));
  }

  const server = createServer(
    {
      // Node refuses a headers timeout longer than the request timeout; the whole request bounds its headers anyway.
      headersTimeout: Math.min(options.httpHeadersTimeoutSeconds, options.httpRequestTimeoutSeconds) * 1000,
      requestTimeout: options.httpRequestTimeoutSeconds * 1000,
      // Node checks both timeouts only this often (30 s by default), so a trickled body would outlive them.
      connectionsCheckingInterval: 1000,
    },
    (request, response) => {
      const startedAt = performance.now();
      const requestId = requestIdOf(request);
      response.setHeader(REQUEST_ID_KEY, requestId);
      if (handleCors(request, response, options.corsAllowedOrigins)) return;
      const context = createGatewayContext(request, requestId, options);
      const routed: Routed = { route: UNMATCHED_ROUTE };
      response.once("finish", () => {
        recordHttpRequest(request.method, routed.route, response.statusCode, (performance.now() - startedAt) / 1000);
        logger.info(
          {
            requestId,
            method: request.method,
            path: request.url?.split("?")[0],
            status: response.statusCode,
            durationMs: Math.round(performance.now() - startedAt),
            calls: context.calls.calls,
          },
          "request",
        );
      });
      handle(request, response, context, routed).catch((error: unknown) => sendError(response, error, context.logger));
    },
  );
  server.on("clientError", answerClientError);
  server.maxConnections = options.httpMaxConnections;
  return server;
}
