import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { readConfig } from "@polyscale/platform";
import { gatewaySettings } from "./config.js";
import { clientIpOf, requestIdOf } from "./context.js";

const trustProxy = (value?: string) => readConfig(gatewaySettings, { TRUST_PROXY: value }).trustProxy;

function request(headers: Record<string, string>, remoteAddress = "10.1.2.3"): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe("request identity", () => {
  it("takes the client address from the socket unless a trusted proxy forwards it", () => {
    const forwarded = request({ "x-forwarded-for": "203.0.113.7, 198.51.100.9" });
    expect(clientIpOf(forwarded, trustProxy())).toBe("10.1.2.3");
    expect(clientIpOf(forwarded, trustProxy("false"))).toBe("10.1.2.3");
    expect(clientIpOf(forwarded, trustProxy("0"))).toBe("10.1.2.3");
    expect(clientIpOf(request({}), trustProxy("1"))).toBe("10.1.2.3");
  });

  // Seen (issue 12): with TRUST_PROXY=true the left-most X-Forwarded-For entry, written by the client, was believed.
  it("regression: takes the right-most untrusted hop, so a client cannot choose its address", () => {
    // One proxy appends the address it saw; the client wrote the rest.
    const spoofed = request({ "x-forwarded-for": "1.2.3.4, 5.6.7.8, 203.0.113.7" });
    expect(clientIpOf(spoofed, trustProxy("1"))).toBe("203.0.113.7");
    expect(clientIpOf(spoofed, trustProxy("2"))).toBe("5.6.7.8");
    // Trusted by CIDR: the socket peer and any hop inside 10.0.0.0/8 are proxies.
    const chain = request({ "x-forwarded-for": "1.2.3.4, 203.0.113.7, 10.0.0.5" }, "10.0.0.1");
    expect(clientIpOf(chain, trustProxy("10.0.0.0/8"))).toBe("203.0.113.7");
    expect(clientIpOf(chain, trustProxy("loopback, 10.0.0.0/8"))).toBe("203.0.113.7");
    // A peer outside the trusted CIDRs is the client, whatever it forwards.
    expect(clientIpOf(request({ "x-forwarded-for": "1.2.3.4" }, "198.51.100.1"), trustProxy("10.0.0.0/8"))).toBe(
      "198.51.100.1",
    );
  });

  it("refuses TRUST_PROXY=true and malformed CIDRs, naming the variable", () => {
    expect(() => trustProxy("true")).toThrow(/TRUST_PROXY: give the number of proxy hops/);
    expect(() => trustProxy("10.0.0.0/99")).toThrow(/TRUST_PROXY: must be a number of hops or a list of CIDRs/);
    expect(() => trustProxy("11")).toThrow(/TRUST_PROXY: must be at most 10 hops/);
  });

  it("keeps a sane X-Request-Id and replaces anything else", () => {
    expect(requestIdOf(request({ "x-request-id": "abc-123" }))).toBe("abc-123");
    const replaced = requestIdOf(request({ "x-request-id": "bad id\nwith newline" }));
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(request({ "x-request-id": "x".repeat(200) }))).not.toHaveLength(200);
    expect(requestIdOf(request({}))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
