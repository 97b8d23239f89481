import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleCors } from "./cors.js";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (handleCors(request, response, ["https://shop.example"])) return;
    response.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("CORS with a list of origins", () => {
  it("names an allowed origin, and varies the answer by origin", async () => {
    const response = await fetch(base, { headers: { origin: "https://shop.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(response.headers.get("vary")).toBe("origin");
  });

  it("gives another origin no CORS headers, so its browser withholds the answer", async () => {
    const response = await fetch(base, { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(base, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
