import type { IncomingMessage, ServerResponse } from "node:http";

const ALLOWED_HEADERS = "authorization, content-type, idempotency-key, x-request-id";
const EXPOSED_HEADERS = "x-request-id, server-timing";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * Lets browser apps on the allowed origins call the API. Tokens travel in the Authorization header, never in cookies,
 * so credentials mode is not needed and "*" is safe as the default. Answers a preflight (OPTIONS) itself and returns
 * true then; a request from an origin that is not allowed gets no CORS headers, so the browser withholds the answer.
 */
export function handleCors(
  request: IncomingMessage,
  response: ServerResponse,
  allowedOrigins: readonly string[],
): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const anyOrigin = allowedOrigins.includes("*");
  if (!anyOrigin && !allowedOrigins.includes(origin)) return false;
  response.setHeader("access-control-allow-origin", anyOrigin ? "*" : origin);
  if (!anyOrigin) response.setHeader("vary", "origin");
  response.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  if (request.method !== "OPTIONS") return false;
  response
    .writeHead(204, {
      "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": PREFLIGHT_MAX_AGE_SECONDS,
    })
    .end();
  return true;
}
