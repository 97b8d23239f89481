import { describe, expect, it } from "vitest";
import { cartTokenHash, newCartToken, requireCartToken } from "./cart-tokens.js";

describe("guest cart tokens", () => {
  it("are 32 random bytes as base64url, different every time, stored as their 32-byte SHA-256", () => {
    const tokens = Array.from({ length: 100 }, newCartToken);
    expect(new Set(tokens).size).toBe(100);
    for (const token of tokens) {
      expect(Buffer.from(requireCartToken(token), "base64url")).toHaveLength(32);
      expect(cartTokenHash(token)).toHaveLength(32);
    }
    expect(cartTokenHash(tokens[0]!)).toEqual(cartTokenHash(tokens[0]!));
  });

  it.each(["", "short", `${"a".repeat(42)}=`, `${"a".repeat(42)}+`, "a".repeat(44), `${"a".repeat(42)} `])(
    "refuses the malformed token %j naming cartToken",
    (token) => {
      const refusal = (() => {
        try {
          requireCartToken(token);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(refusal).toMatchObject({ code: "INVALID_ARGUMENT", field: "cartToken" });
    },
  );
});
