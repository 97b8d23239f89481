import { describe, expect, it } from "vitest";
import { LoginRateLimiter } from "./rate-limiter.js";

function limiterAt(clock: { now: number }, maxKeys?: number) {
  return new LoginRateLimiter({
    maxAttemptsPerEmail: 2,
    maxAttemptsPerIp: 3,
    windowSeconds: 60,
    maxKeys,
    now: () => clock.now,
  });
}

describe("LoginRateLimiter", () => {
  it("refuses once an email has used its failures, until the window ends", () => {
    const clock = { now: 0 };
    const limiter = limiterAt(clock);
    limiter.begin("a@example.com", "");
    limiter.begin("a@example.com", "");
    expect(() => limiter.begin("a@example.com", "")).toThrow("too many login attempts; try again later");
    clock.now = 59_999;
    expect(() => limiter.begin("a@example.com", "")).toThrow();
    clock.now = 60_000;
    expect(() => limiter.begin("a@example.com", "")).not.toThrow();
  });

  it("counts per client IP across emails", () => {
    const limiter = limiterAt({ now: 0 });
    for (const email of ["a@x.io", "b@x.io", "c@x.io"]) limiter.begin(email, "10.0.0.1");
    expect(() => limiter.begin("d@x.io", "10.0.0.1")).toThrow();
    expect(() => limiter.begin("d@x.io", "10.0.0.2")).not.toThrow();
  });

  it("does not count attempts that succeeded", () => {
    const limiter = limiterAt({ now: 0 });
    for (let attempt = 0; attempt < 5; attempt += 1) limiter.begin("a@example.com", "10.0.0.1").succeeded();
    expect(() => limiter.begin("a@example.com", "10.0.0.1")).not.toThrow();
  });

  it("forgets expired windows and never holds more than maxKeys", () => {
    const clock = { now: 0 };
    const limiter = limiterAt(clock, 4);
    for (let index = 0; index < 10; index += 1) limiter.begin(`user${index}@example.com`, "");
    expect(limiter.size).toBe(4);
    clock.now = 60_000;
    limiter.begin("late@example.com", "");
    expect(limiter.size).toBe(1);
  });
});
