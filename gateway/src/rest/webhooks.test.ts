import { describe, expect, it } from "vitest";
import { hasValidSignature, signatureOf } from "./webhooks.js";

const secret = "test-secret";
const body = Buffer.from('{"orderId":"x","kind":"capture"}');

describe("payment webhook signature", () => {
  it("accepts the HMAC-SHA256 of the raw body under the secret", () => {
    expect(signatureOf(secret, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(hasValidSignature(secret, body, signatureOf(secret, body))).toBe(true);
  });

  it("refuses a signature made with another secret", () => {
    expect(hasValidSignature(secret, body, signatureOf("other-secret", body))).toBe(false);
  });

  it("refuses a body changed after signing", () => {
    const signature = signatureOf(secret, body);
    expect(hasValidSignature(secret, Buffer.from(body.toString().replace("capture", "refund")), signature)).toBe(false);
  });

  it("refuses missing and malformed headers", () => {
    expect(hasValidSignature(secret, body, undefined)).toBe(false);
    expect(hasValidSignature(secret, body, "")).toBe(false);
    expect(hasValidSignature(secret, body, signatureOf(secret, body).replace("sha256=", ""))).toBe(false);
    expect(hasValidSignature(secret, body, `${signatureOf(secret, body)}00`)).toBe(false);
    expect(hasValidSignature(secret, body, "sha256=zz")).toBe(false);
  });
});
