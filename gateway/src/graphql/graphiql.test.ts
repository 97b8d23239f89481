import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendGraphiQL } from "./graphiql.js";

/** The raw answer (no decoding: fetch would undo the compression under test). */
function get(port: number, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const call = httpRequest({ host: "127.0.0.1", port, path: "/graphql", headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () =>
        resolve({ status: answer.statusCode!, headers: answer.headers, body: Buffer.concat(chunks) }),
      );
    });
    call.on("error", reject);
    call.end();
  });
}

describe("the GraphiQL page", () => {
  let server: Server;
  let port: number;
  let page: Buffer;

  beforeAll(async () => {
    server = createServer((request, response) => void sendGraphiQL(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    page = (await get(port, {})).body;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is sent uncompressed to a client that asks for no coding, with revalidation headers", async () => {
    const answer = await get(port, {});
    expect(answer.status).toBe(200);
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer.headers["cache-control"]).toBe("no-cache");
    expect(answer.headers.vary).toBe("Accept-Encoding");
    expect(answer.headers.etag).toMatch(/^W\/"[\w-]{32}"$/);
    expect(Number(answer.headers["content-length"])).toBe(page.length);
    expect(page.toString()).toContain("<title>PolyScale GraphQL</title>");
  });

  it("is compressed with brotli or gzip as Accept-Encoding prefers, to under a third of its size", async () => {
    const browser = await get(port, { "accept-encoding": "gzip, deflate, br, zstd" });
    expect(browser.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(browser.body).equals(page)).toBe(true);
    expect(browser.body.length).toBeLessThan(page.length / 3);
    expect(Number(browser.headers["content-length"])).toBe(browser.body.length);

    const gzipOnly = await get(port, { "accept-encoding": "br;q=0.1, gzip" });
    expect(gzipOnly.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzipOnly.body).equals(page)).toBe(true);
    expect(gzipOnly.body.length).toBeLessThan(page.length / 3);
    // Each coding is compressed once and kept: the same bytes again.
    expect((await get(port, { "accept-encoding": "gzip" })).body.equals(gzipOnly.body)).toBe(true);
  });

  it("answers 304 without the page to a browser that has it, in whichever coding", async () => {
    const { headers } = await get(port, { "accept-encoding": "br" });
    const again = await get(port, { "accept-encoding": "gzip", "if-none-match": String(headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(headers.etag);
    expect((await get(port, { "if-none-match": 'W/"another-version"' })).status).toBe(200);
  });
});
