import { createAccountClient } from "@polyscale/account";
import { createLogger } from "@polyscale/platform";
import { freePort } from "@polyscale/tools/ports";
import { describe, expect, it, vi } from "vitest";
import { RevocationCache, RevocationChecker } from "./revocations.js";

const account = "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b";

describe("RevocationCache", () => {
  let now = 1_000_000;
  const clock = () => now;
  const at = (offsetMs: number) => new Date(now + offsetMs);

  it("refuses tokens below the account's generation and of revoked sessions, until the revocation is forgotten", () => {
    const cache = new RevocationCache({ now: clock });
    cache.apply([
      { accountId: account, sessionId: "", generation: 2, forgetAfter: at(1000) },
      { accountId: account, sessionId: "s-1", generation: 2, forgetAfter: at(1000) },
      // An older generation arriving late changes nothing.
      { accountId: account, sessionId: "", generation: 1, forgetAfter: at(5000) },
    ]);
    expect(cache.judge({ accountId: account, sessionId: "s-2", generation: 1 })).toBe("revoked");
    expect(cache.judge({ accountId: account, sessionId: "s-2", generation: 2 })).toBe("valid");
    expect(cache.judge({ accountId: account, sessionId: "s-1", generation: 2 })).toBe("revoked");
    expect(cache.judge({ accountId: "another", sessionId: "", generation: 0 })).toBe("valid");
    now += 1001;
    // Every token the revocations concerned has expired by now.
    expect(cache.judge({ accountId: account, sessionId: "s-1", generation: 1 })).toBe("valid");
  });

  it("stays bounded, and answers unknown for misses while a dropped entry could still matter", () => {
    const cache = new RevocationCache({ now: clock, maxEntries: 10 });
    const revocations = Array.from({ length: 15 }, (_, index) => ({
      accountId: `account-${index}`,
      sessionId: "",
      generation: 1,
      forgetAfter: at(1000 + index),
    }));
    cache.apply(revocations);
    expect(cache.size).toBe(10);
    expect(cache.judge({ accountId: "account-14", sessionId: "", generation: 0 })).toBe("revoked");
    expect(cache.judge({ accountId: "account-0", sessionId: "", generation: 0 })).toBe("unknown");
    expect(cache.judge({ accountId: "never-revoked", sessionId: "", generation: 0 })).toBe("unknown");
    now += 1005;
    expect(cache.judge({ accountId: "never-revoked", sessionId: "", generation: 0 })).toBe("valid");
  });
});

describe("RevocationChecker", () => {
  it("waits quietly for an account service that is not up yet, and warns once its quiet attempts are spent", async () => {
    // npm start starts the gateway beside the account service: a warning on every start would be noise.
    const lines: Array<{ level: string; msg: string }> = [];
    const logger = createLogger("gateway", "debug", {
      write: (line: string) => lines.push(JSON.parse(line) as { level: string; msg: string }),
    });
    const account = createAccountClient({ address: `127.0.0.1:${await freePort()}`, deadlineMs: 1000 });
    // Three quiet attempts, 20 ms apart (the default's five take about 4 s): the levels say which attempt warned,
    // whatever the machine's speed.
    const checker = new RevocationChecker({ account, logger, reconnectDelaysMs: [20, 20, 20] });
    const lost = () => lines.filter((line) => line.msg === "revocation stream lost; reconnecting");
    try {
      checker.start();
      await vi.waitFor(() => expect(lost().length).toBeGreaterThanOrEqual(5), { timeout: 10_000, interval: 10 });
      expect(
        lost()
          .slice(0, 5)
          .map((line) => line.level),
      ).toEqual(["debug", "debug", "debug", "warn", "warn"]);
    } finally {
      checker.stop();
      account.close();
    }
  }, 20_000);
});
