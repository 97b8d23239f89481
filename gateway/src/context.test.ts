import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientIpOf, requestIdOf } from "./context.js";

function request(headers: Record<string, string>, remoteAddress = "10.1.2.3"): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe("request identity", () => {
  it("takes the client address from the socket unless a trusted proxy forwards it", () => {
    const forwarded = request({ "x-forwarded-for": "203.0.113.7, 10.0.0.1" });
    expect(clientIpOf(forwarded, false)).toBe("10.1.2.3");
    expect(clientIpOf(forwarded, true)).toBe("203.0.113.7");
    expect(clientIpOf(request({}), true)).toBe("10.1.2.3");
  });

  it("keeps a sane X-Request-Id and replaces anything else", () => {
    expect(requestIdOf(request({ "x-request-id": "abc-123" }))).toBe("abc-123");
    const replaced = requestIdOf(request({ "x-request-id": "bad id\nwith newline" }));
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(request({ "x-request-id": "x".repeat(200) }))).not.toHaveLength(200);
    expect(requestIdOf(request({}))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
