/** What the account service's tests share: one service per test file on a scratch database, and a mailer that keeps. */
import { createLogger, type Database, type RequestContext } from "@polyscale/platform";
import type { DatabaseBackend, TestDatabase } from "@polyscale/tools/testing";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import type { Mail, Mailer } from "./mailer.js";
import type { Session } from "./model.js";
import { AccountService } from "./service.js";
import { AccessTokenSigner } from "./tokens.js";

const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));
export const context: RequestContext = { requestId: "test", logger: createLogger("account-test", "silent") };

/** The mails the tests' mailer was asked to send, oldest first. */
export const sent: Mail[] = [];
const mailer: Mailer = {
  send: (mail) => {
    sent.push(mail);
    return Promise.resolve();
  },
  close: () => {},
};

/** The token of the last link to `https://shop.example/<path>` mailed to `email`, if any. */
export const tokenSentTo = (email: string, path: string) =>
  sent
    .filter((mail) => mail.to === email)
    .map((mail) => new RegExp(`https://shop\\.example/${path}\\?token=([\\w-]+)`).exec(mail.text)?.[1])
    .findLast(Boolean);

let emailCounter = 0;
/** A fresh address per test, so tests sharing one database never collide. */
export function uniqueEmail(): string {
  emailCounter += 1;
  return `user${emailCounter}-${Date.now()}@example.com`;
}

/** The `count` column of the first row of `sql`. */
export async function countRows(database: Database, sql: string, values: unknown[] = []): Promise<number> {
  const result = await database.query<{ count: number }>(sql, values);
  return result.rows[0]!.count;
}

/** The service under test and its database, set before the file's first test (beforeAll). */
export interface AccountTestBed {
  database: Database;
  /** Access tokens of 900 s; refresh tokens of 3600 s without a grace window. */
  service: AccountService;
  /** Another service on the same database whose refresh tokens have a grace window of `refreshGraceSeconds`. */
  serviceWithGrace: (refreshGraceSeconds: number) => AccountService;
  /** Refresh tokens of the account neither used nor revoked. */
  liveRefreshTokens: (accountId: string) => Promise<number>;
  accountCount: () => Promise<number>;
  /** Registers a customer named Ada through `service`. */
  register: (email?: string, password?: string) => Promise<Session>;
}

/** Opens a scratch database of `backend` with the account migrations before the file's tests and closes it after. */
export function useAccountService(backend: DatabaseBackend): AccountTestBed {
  let testDatabase: TestDatabase | undefined;
  let signer: AccessTokenSigner;
  const bed: AccountTestBed = {
    database: undefined as unknown as Database,
    service: undefined as unknown as AccountService,
    serviceWithGrace: (refreshGraceSeconds) =>
      new AccountService({
        database: bed.database,
        signer,
        refreshTokenTtlSeconds: 3600,
        refreshGraceSeconds,
        mailer,
        appUrl: "https://shop.example/",
        passwordResetTtlSeconds: 1800,
        emailVerificationTtlSeconds: 3600,
      }),
    liveRefreshTokens: (accountId) =>
      countRows(
        bed.database,
        "SELECT count(*)::int AS count FROM refresh_tokens WHERE account_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
        [accountId],
      ),
    accountCount: () => countRows(bed.database, "SELECT count(*)::int AS count FROM accounts"),
    register: (email = uniqueEmail(), password = "correct horse battery") =>
      bed.service.register(context, { name: "Ada", email, password }),
  };

  beforeAll(async () => {
    testDatabase = await backend.open(migrationsDir);
    bed.database = testDatabase.database;
    signer = await AccessTokenSigner.create({ ttlSeconds: 900 });
    bed.service = bed.serviceWithGrace(0);
  });

  afterAll(async () => {
    await testDatabase?.close();
  });

  return bed;
}
