import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { cleanText, cleanTextDeep } from "@polyscale/platform";
import type { GatewayContext } from "../context.js";
import { parseJsonObject, readBody, requireJsonContentType } from "../http/request-body.js";
import { HttpError, sendJson } from "../http/responses.js";
import { refuseUnknownFields, refuseUnknownQueryParameters, requestBodySchema } from "./body-fields.js";
import type { Operation } from "./openapi.js";

export interface RestRequest {
  /** Path parameters by name, e.g. `id` of /order/{id}. */
  params: Record<string, string>;
  /** The query string; only parameters the operation declares (others are refused before the route runs). */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, size-limited. */
  rawBody(): Promise<Buffer>;
  /**
   * The body as a JSON object; BAD_USER_INPUT otherwise, and for a field the operation's request body schema does not
   * have (refuseUnknownFields), so no route reads a body unchecked.
   */
  jsonBody(): Promise<Record<string, unknown>>;
}

export interface RestResult {
  status: number;
  body: unknown;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI-style path, e.g. /order/{id}/cancel. */
  path: string;
  /** How /openapi.json describes it (rest/openapi.ts builds the document's paths from the routes). */
  operation: Operation;
  handle(context: GatewayContext, request: RestRequest): Promise<RestResult>;
}

export const ok = (body: unknown): RestResult => ({ status: 200, body });
export const created = (body: unknown): RestResult => ({ status: 201, body });

/** Compiles /order/{id} into a matcher returning the path parameters, or undefined. */
export function matcherOf(path: string): (pathname: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const regex = new RegExp(`^${pattern}$`);
  return (pathname) => {
    const match = regex.exec(pathname);
    if (!match) return undefined;
    try {
      return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]));
    } catch {
      return undefined; // malformed percent-encoding names nothing
    }
  };
}

/** Answers one REST request; `onRoute` learns the matched route's path template (for metrics and the span name). */
export type RestHandler = (
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  onRoute: (path: string) => void,
) => Promise<void>;

export interface RestHandlerOptions {
  /** Every route served (restRoutes). */
  routes: readonly Route[];
  /** A body past this many bytes is refused (MAX_BODY_BYTES). */
  maxBodyBytes: number;
}

/**
 * Dispatches to the route whose path and method match: a known path with another method is 405 with Allow, an unknown
 * one 404. Path, query string and body text are checked and NFC-normalised (cleanText) before any route reads them,
 * and a query parameter the route's operation does not declare is refused (refuseUnknownQueryParameters).
 */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const { routes, maxBodyBytes } = options;
  const matched = routes.map((route) => ({ route, match: matcherOf(route.path) }));
  return async (context, request, response, url, onRoute) => {
    const onPath = matched
      .map(({ route, match }) => ({ route, params: match(url.pathname) }))
      .filter((candidate) => candidate.params !== undefined);
    const found = onPath.find((candidate) => candidate.route.method === request.method);
    if (!found && onPath.length > 0) {
      const allow = onPath.map((candidate) => candidate.route.method).join(", ");
      throw new HttpError(
        {
          code: "METHOD_NOT_ALLOWED",
          message: `${url.pathname} takes ${allow}, not ${request.method}`,
          reason: "METHOD_NOT_ALLOWED",
        },
        { allow },
      );
    }
    if (!found) {
      throw new HttpError({
        code: "NOT_FOUND",
        message: `no route ${request.method} ${url.pathname}`,
        reason: "NOT_FOUND",
      });
    }
    onRoute(found.route.path);
    let body: Promise<Buffer> | undefined;
    const rawBody = () => (body ??= readBody(request, maxBodyBytes));
    const query = new URLSearchParams();
    for (const [key, value] of url.searchParams) query.append(cleanText("query", key), cleanText(key, value));
    // Before the route does anything: a parameter it does not declare would be ignored, changing the answer unseen.
    refuseUnknownQueryParameters(query, found.route.operation.parameters);
    const restRequest: RestRequest = {
      params: cleanTextDeep(found.params!, "path"),
      query,
      headers: request.headers,
      rawBody,
      jsonBody: async () => {
        requireJsonContentType(request);
        const json = cleanTextDeep(parseJsonObject(await rawBody()), "body");
        const schema = requestBodySchema(found.route.operation.requestBody);
        if (schema) refuseUnknownFields(json, schema);
        return json;
      },
    };
    const result = await found.route.handle(context, restRequest);
    response.setHeader("server-timing", context.calls.serverTiming());
    sendJson(response, result.status, result.body);
  };
}
