import { createLogger } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AccessTokenSigner } from "./tokens.js";
import { AccountService } from "./service.js";
import { RevocationFeed } from "./revocation-feed.js";
import { useAccountService } from "./test-account-service.js";

const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));

describe.each(databaseBackends())("revocation feed on $name", (backend) => {
  const bed = useAccountService(backend);

  // main.ts closes the database after the feed's stop(): a stop that returned with a read still running let that read
  // meet a closed pool at every shutdown.
  it("stop() resolves only once the read in progress has finished", async () => {
    let holdReads = false;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let readStarted!: () => void;
    const started = new Promise<void>((resolve) => (readStarted = resolve));
    let finishedReads = 0;
    // The service's own reads, with the next one held at its start until the test lets it go.
    const source = {
      revocationLifetimeMs: bed.service.revocationLifetimeMs,
      recentRevocations: async (withinSeconds?: number) => {
        if (holdReads) {
          readStarted();
          await held;
        }
        const records = await bed.service.recentRevocations(withinSeconds);
        finishedReads += 1;
        return records;
      },
    };
    const logger = createLogger("revocation-feed-test", "silent");
    const feed = new RevocationFeed({ source, pollMs: 60_000, heartbeatMs: 60_000, logger });
    const leave = new AbortController();
    let messages = 0;
    const subscribed = feed.subscribe(() => void (messages += 1), leave.signal);
    await expect.poll(() => messages).toBeGreaterThan(0);
    const beforePoll = finishedReads;

    holdReads = true;
    feed.notify();
    await started;
    const readsWhenStopped = feed.stop().then(() => finishedReads);
    release();
    expect(await readsWhenStopped).toBe(beforePoll + 1);

    leave.abort();
    await subscribed;
  });

  // Seen (issue 9 review): with the database down, the account service logged "could not read revocations" about
  // 11 times a second, one line per poll.
  it("regression: a database outage is logged once while polls back off", async () => {
    const testDatabase = await backend.open(migrationsDir);
    const lines: Array<{ level: string; code?: string; msg: string }> = [];
    const logger = createLogger("revocation-feed-test", "info", {
      write: (line: string) => void lines.push(JSON.parse(line) as { level: string; code?: string; msg: string }),
    });
    const service = new AccountService({
      database: testDatabase.database,
      signer: await AccessTokenSigner.create({ ttlSeconds: 900 }),
      refreshTokenTtlSeconds: 3600,
      refreshGraceSeconds: 0,
      mailer: { send: async () => {}, close: () => {} },
      appUrl: "https://shop.example/",
      passwordResetTtlSeconds: 1800,
      emailVerificationTtlSeconds: 3600,
    });
    const feed = new RevocationFeed({ source: service, pollMs: 20, heartbeatMs: 60_000, logger });
    const stop = new AbortController();
    let messages = 0;
    const subscribed = feed.subscribe(() => void (messages += 1), stop.signal);
    await expect.poll(() => messages).toBeGreaterThan(0);

    // The pool is gone: every read now fails, as with a database that is down.
    await testDatabase.close();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop.abort();
    await subscribed;

    const outage = lines.filter((line) => line.msg.includes("could not read revocations"));
    // 75 polls in 1.5 s; the log has the first failure and no reminder within the minute.
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ level: "warn", code: "REVOCATIONS_UNREADABLE" });
  });
});
