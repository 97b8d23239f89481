import type { IncomingMessage } from "node:http";
import { invalidArgument } from "@polyscale/platform";
import { ClientGoneError, HttpError } from "./responses.js";

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
