import type { IncomingMessage, ServerResponse } from "node:http";
import { describeError, invalidArgument, type Logger } from "@polyscale/platform";
import { httpStatusOf, publicErrorOf, type PublicError } from "../errors.js";

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

/**
 * Reads the whole body, refusing (413) more than maxBytes whether or not Content-Length says so. The refused rest is
 * read and dropped rather than the request destroyed, so the client can read the 413 before the connection closes.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError({
      code: "PAYLOAD_TOO_LARGE",
      message: `request body must be at most ${maxBytes} bytes`,
      reason: "PAYLOAD_TOO_LARGE",
    });
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) {
    request.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // The stream keeps flowing without a listener: the rest is dropped as it arrives.
      request.off("data", onData);
      chunks.length = 0;
      reject(tooLarge());
    };
    request.on("data", onData);
    request.once("end", () => resolve(Buffer.concat(chunks)));
    request.once("error", (error: Error) => reject(new ClientGoneError(error.message)));
  });
}

/**
 * Refuses (415) a request whose Content-Type is not JSON (`application/json` or a `+json` type, RFC 6839), so a form
 * or text body is told what it is rather than failing to parse.
 */
export function requireJsonContentType(request: IncomingMessage): void {
  const mediaType = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/json" || /^application\/[\w.-]+\+json$/.test(mediaType)) return;
  throw new HttpError({
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: "the request body must be JSON (Content-Type: application/json)",
    reason: "UNSUPPORTED_MEDIA_TYPE",
  });
}

/** A JSON object body; BAD_USER_INPUT when it is not one. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalidArgument("body", "must be valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument("body", "must be a JSON object");
  }
  return value as Record<string, unknown>;
}

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
