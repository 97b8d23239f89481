import { describe, expect, it } from "vitest";
import { KnownAccounts } from "./known-accounts.js";

describe("KnownAccounts", () => {
  it("remembers confirmed ids up to its capacity, forgetting the oldest first", () => {
    const known = new KnownAccounts({ capacity: 2 });
    known.add("a");
    known.add("b");
    known.add("a");
    expect([known.has("a"), known.has("b"), known.size]).toEqual([true, true, 2]);
    known.add("c");
    expect([known.has("a"), known.has("b"), known.has("c"), known.size]).toEqual([false, true, true, 2]);
  });
});
