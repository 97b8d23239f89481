import { describe, expect, it } from "vitest";
import { MemoryThrottleStore, type ThrottleRule } from "./throttle-stores.js";

const rule: ThrottleRule = { name: "test", freeAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000, windowMs: 5000 };

describe("MemoryThrottleStore", () => {
  it("keeps at most maxKeys, forgetting the key touched longest ago", async () => {
    const store = new MemoryThrottleStore({ maxKeys: 2 });
    for (const key of ["a", "b", "c"]) await store.take(key, rule);
    await store.take("b", rule);
    await store.take("d", rule);
    expect(store.size).toBe(2);
    // "b" was touched again, so "c" went: "b" is still waiting out its second attempt, "c" starts afresh.
    expect((await store.take("b", rule)).allowed).toBe(false);
    expect(await store.take("c", rule)).toEqual({ allowed: true });
  });

  it("forgets a count once its window has passed on its clock", async () => {
    let now = 0;
    const store = new MemoryThrottleStore({ now: () => now });
    await store.take("key", rule);
    expect(await store.take("key", rule)).toEqual({ allowed: true });
    expect(await store.take("key", rule)).toEqual({ allowed: false, retryAfterMs: 1000 });
    now += 5000;
    expect(await store.take("key", rule)).toEqual({ allowed: true });
    expect(store.size).toBe(1);
  });
});
