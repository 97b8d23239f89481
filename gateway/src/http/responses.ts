import type { ServerResponse } from "node:http";
import { describeError, type Logger } from "@polyscale/platform";
import { httpStatusOf, publicErrorOf, type PublicError } from "./errors.js";

/** A failure of the HTTP exchange itself (no route, body too large) rather than of an operation. */
export class HttpError extends Error {
  /** headers: sent with the error response (e.g. `Allow` on a 405). */
  constructor(
    readonly publicError: PublicError,
    readonly headers: Record<string, string> = {},
  ) {
    super(publicError.message);
  }
}

/**
 * The client went away before its body arrived: it closed the connection, or Node cut it off with a 408 at the request
 * timeout (a slow trickle). The client's doing, so it is logged at info, never as a failure of ours.
 */
export class ClientGoneError extends Error {}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * Sends `{"error": {code, message, reason, field?, retryAfterSeconds?}}` with the code's status (and `Retry-After` on a
 * 429); unexpected errors are logged and masked.
 */
export function sendError(response: ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof ClientGoneError) {
    logger.info({ cause: error.message }, "client went away before its request body arrived");
    response.destroy();
    return;
  }
  const publicError = error instanceof HttpError ? error.publicError : publicErrorOf(error);
  if (publicError.code === "INTERNAL") logger.error({ err: describeError(error) }, "request failed");
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // Closing at once would reset a connection the client is still writing its oversized body into, and a reset can
  // discard the 413 before the client reads it. Node reads the rest of the body and drops it (within the request
  // timeout), so the answer arrives and the connection stays usable.
  if (error instanceof HttpError)
    for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
  if (publicError.retryAfterSeconds) response.setHeader("retry-after", String(publicError.retryAfterSeconds));
  sendJson(response, httpStatusOf[publicError.code], { error: publicError });
}
