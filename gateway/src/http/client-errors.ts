import type { Duplex } from "node:stream";
import { httpStatusOf, type PublicError } from "./errors.js";

const HEADERS_TOO_LARGE: PublicError = {
  code: "HEADERS_TOO_LARGE",
  message: "the request line and headers exceed 16 KB; search text is at most 200 characters",
  reason: "HEADERS_TOO_LARGE",
};

/**
 * Answers a request Node's parser refused before any handler saw it (the server's `clientError`), as Node would (a
 * status line, then close), except that too large a request line and headers (Node's 16 KB limit, e.g. a 100 KB search
 * text in the URL) gets a coded JSON 431 saying why, like every other refusal of the gateway.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { bytesWritten?: number }).bytesWritten) {
    socket.destroy();
    return;
  }
  if (error.code === "HPE_HEADER_OVERFLOW") {
    const body = JSON.stringify({ error: HEADERS_TOO_LARGE });
    socket.end(
      `HTTP/1.1 ${httpStatusOf.HEADERS_TOO_LARGE} Request Header Fields Too Large\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  const status =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? "408 Request Timeout"
      : error.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW"
        ? "413 Payload Too Large"
        : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
}
