import { createLogger, newId, type Database, type RequestContext } from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/platform/testing";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Mail, Mailer } from "./mailer.js";
import { AccountService } from "./service.js";
import * as repository from "./repository.js";
import { AccessTokenSigner, hashRefreshToken } from "./tokens.js";

const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));
const context: RequestContext = { requestId: "test", logger: createLogger("account-test", "silent") };

/** The mailer of these tests keeps what it was asked to send. */
const sent: Mail[] = [];
const mailer: Mailer = {
  send: (mail) => {
    sent.push(mail);
    return Promise.resolve();
  },
  close: () => {},
};
const tokenSentTo = (email: string, path: string) =>
  sent
    .filter((mail) => mail.to === email)
    .map((mail) => new RegExp(`https://shop\\.example/${path}\\?token=([\\w-]+)`).exec(mail.text)?.[1])
    .findLast(Boolean);

let emailCounter = 0;
/** A fresh address per test, so tests sharing one database never collide. */
function uniqueEmail(): string {
  emailCounter += 1;
  return `user${emailCounter}-${Date.now()}@example.com`;
}

async function countRows(database: Database, sql: string, values: unknown[] = []): Promise<number> {
  const result = await database.query<{ count: number }>(sql, values);
  return result.rows[0]!.count;
}

describe.each(databaseBackends())("AccountService on $name", (backend) => {
  let testDatabase: TestDatabase;
  let database: Database;
  let signer: AccessTokenSigner;
  let service: AccountService;

  function serviceWithGrace(refreshGraceSeconds: number): AccountService {
    return new AccountService({
      database,
      signer,
      refreshTokenTtlSeconds: 3600,
      refreshGraceSeconds,
      mailer,
      appUrl: "https://shop.example/",
      passwordResetTtlSeconds: 1800,
      emailVerificationTtlSeconds: 3600,
    });
  }

  const liveRefreshTokens = (accountId: string) =>
    countRows(
      database,
      "SELECT count(*)::int AS count FROM refresh_tokens WHERE account_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
      [accountId],
    );

  const accountCount = () => countRows(database, "SELECT count(*)::int AS count FROM accounts");

  async function register(email = uniqueEmail(), password = "correct horse battery") {
    return service.register(context, { name: "Ada", email, password });
  }

  beforeAll(async () => {
    testDatabase = await backend.open(migrationsDir);
    database = testDatabase.database;
    signer = await AccessTokenSigner.create({ ttlSeconds: 900 });
    service = serviceWithGrace(0);
  });

  afterAll(async () => {
    await testDatabase?.close();
  });

  describe("validation", () => {
    it.each([
      ["name", { name: "  ", email: "a@example.com", password: "long enough" }],
      ["name", { name: "x".repeat(101), email: "a@example.com", password: "long enough" }],
      ["email", { name: "Ada", email: "not-an-email", password: "long enough" }],
      ["password", { name: "Ada", email: "a@example.com", password: "short" }],
      ["password", { name: "Ada", email: "a@example.com", password: "p".repeat(1025) }],
    ])("register names the bad field (%s) and writes nothing", async (field, input) => {
      const before = await accountCount();
      await expect(service.register(context, input)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field });
      expect(await accountCount()).toBe(before);
    });

    it.each([
      ["password", { name: "Ada", email: "a@example.com", password: "" }],
      ["email", { name: "Ada", email: "", password: "long enough" }],
    ])("createAccount wants email and password together (missing %s)", async (field, input) => {
      const before = await accountCount();
      await expect(service.createAccount(input)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field });
      expect(await accountCount()).toBe(before);
    });

    it("rejects malformed ids naming the field", async () => {
      await expect(service.getAccount("42")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "id" });
      await expect(service.getAccounts(["nope"])).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "ids",
      });
      const tooMany = Array.from({ length: 1001 }, () => "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b");
      await expect(service.getAccounts(tooMany)).rejects.toMatchObject({ field: "ids" });
    });
  });

  describe("accounts", () => {
    it("creates an account without credentials as a customer, and one with a given role", async () => {
      const plain = await service.createAccount({ name: " Grace ", email: "", password: "" });
      expect(plain).toMatchObject({ name: "Grace", email: null, role: "customer" });
      const email = uniqueEmail();
      const admin = await service.createAccount({
        name: "Root",
        email: email.toUpperCase(),
        password: "long enough",
        role: "admin",
      });
      expect(admin).toMatchObject({ email, role: "admin" });
      expect(await service.getAccount(admin.id)).toEqual(admin);
    });

    it("refuses a duplicate email, whatever its case, as ALREADY_EXISTS on email", async () => {
      const email = uniqueEmail();
      await register(email);
      const before = await accountCount();
      await expect(register(` ${email.toUpperCase()} `)).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
        field: "email",
      });
      await expect(service.createAccount({ name: "Ada", email, password: "long enough" })).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
        field: "email",
      });
      expect(await accountCount()).toBe(before);
    });

    it("lets exactly one of 20 concurrent registrations of one email succeed", async () => {
      const email = uniqueEmail();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => register(email)));
      const succeeded = results.filter((result) => result.status === "fulfilled");
      const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
      expect(succeeded).toHaveLength(1);
      expect(failures).toHaveLength(19);
      for (const failure of failures) expect(failure).toMatchObject({ code: "ALREADY_EXISTS", field: "email" });
      expect(await countRows(database, "SELECT count(*)::int AS count FROM accounts WHERE email = $1", [email])).toBe(
        1,
      );
    });

    it("returns only the existing accounts of a batch, in the order asked, each once", async () => {
      const first = await service.createAccount({ name: "First", email: "", password: "" });
      const second = await service.createAccount({ name: "Second", email: "", password: "" });
      const unknown = "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b";
      const found = await service.getAccounts([second.id, unknown, first.id, second.id]);
      expect(found.map((account) => account.id)).toEqual([second.id, first.id]);
      expect(await service.getAccounts([])).toEqual([]);
    });

    it("answers NOT_FOUND for an unknown account", async () => {
      await expect(service.getAccount("0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b")).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    });

    it("updates the name, the email (lowercased) or both, and refuses a taken email", async () => {
      const { account } = await register();
      const renamed = await service.updateProfile({ accountId: account.id, name: "Ada L." });
      expect(renamed).toMatchObject({ name: "Ada L.", email: account.email });
      const newEmail = uniqueEmail();
      const moved = await service.updateProfile({ accountId: account.id, email: newEmail.toUpperCase() });
      expect(moved).toMatchObject({ name: "Ada L.", email: newEmail });
      expect(moved.updatedAt.getTime()).toBeGreaterThanOrEqual(account.updatedAt.getTime());

      const { account: other } = await register();
      await expect(service.updateProfile({ accountId: other.id, email: newEmail })).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
        field: "email",
      });
      await expect(service.updateProfile({ accountId: other.id })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
      await expect(service.updateProfile({ accountId: other.id, name: "" })).rejects.toMatchObject({
        field: "name",
      });
      expect(await service.getAccount(other.id)).toEqual(other);
      await expect(
        service.updateProfile({ accountId: "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b", name: "X" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND", field: "accountId" });
    });

    it("lists newest first, with the default page, a cap of 100, and negative values refused", async () => {
      const created = [];
      for (let index = 0; index < 101; index += 1) {
        created.push(await service.createAccount({ name: `Listed ${index}`, email: "", password: "" }));
      }
      const newestThree = await service.listAccounts({ skip: 0, take: 3 });
      expect(newestThree.map((account) => account.name)).toEqual(["Listed 100", "Listed 99", "Listed 98"]);
      const skipped = await service.listAccounts({ skip: 1, take: 2 });
      expect(skipped.map((account) => account.name)).toEqual(["Listed 99", "Listed 98"]);
      expect(await service.listAccounts({ skip: 0, take: 0 })).toHaveLength(100);
      expect(await service.listAccounts({ skip: 0, take: 1000 })).toHaveLength(100);
      await expect(service.listAccounts({ skip: -1, take: 10 })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "skip",
      });
      await expect(service.listAccounts({ skip: 0, take: -1 })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "take",
      });
    });

    it("creates the admin once, even when several starts race", async () => {
      const email = uniqueEmail();
      const created = await Promise.all(
        Array.from({ length: 3 }, () => service.ensureAdmin({ email, password: "admin password" })),
      );
      expect(created.filter(Boolean)).toHaveLength(1);
      expect(await service.ensureAdmin({ email, password: "admin password" })).toBe(false);
      const session = await service.login({ email, password: "admin password" });
      expect(session.account.role).toBe("admin");
    });
  });

  describe("sessions", () => {
    it("logs in with the right password and says only 'invalid credentials' otherwise", async () => {
      const email = uniqueEmail();
      const { account } = await register(email, "right password");
      const session = await service.login({ email: email.toUpperCase(), password: "right password" });
      expect(session.account).toEqual(account);
      expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now());

      const wrongPassword = service.login({ email, password: "wrong password" });
      await expect(wrongPassword).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "invalid credentials" });
      const unknownEmail = service.login({ email: uniqueEmail(), password: "right password" });
      await expect(unknownEmail).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "invalid credentials" });
    });

    it("purges refresh tokens that expired, and only those", async () => {
      const { account, refreshToken } = await register();
      const live = await countRows(
        database,
        "SELECT count(*)::int AS count FROM refresh_tokens WHERE expires_at > now()",
      );
      for (let index = 0; index < 3; index++) {
        await repository.insertRefreshToken(database, {
          id: newId(),
          familyId: newId(),
          accountId: account.id,
          tokenHash: hashRefreshToken(`expired-${index}-${newId()}`),
          expiresAt: new Date(Date.now() - 60_000),
        });
      }
      expect(await service.purgeExpiredRefreshTokens()).toBeGreaterThanOrEqual(3);
      expect(
        await countRows(database, "SELECT count(*)::int AS count FROM refresh_tokens WHERE expires_at <= now()"),
      ).toBe(0);
      expect(
        await countRows(database, "SELECT count(*)::int AS count FROM refresh_tokens WHERE expires_at > now()"),
      ).toBe(live);
      expect((await service.refreshToken(context, refreshToken)).account.id).toBe(account.id);
    });

    it("rotates refresh tokens, and a reused one revokes its whole family", async () => {
      const first = await register();
      const second = await service.refreshToken(context, first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.account.id).toBe(first.account.id);
      const third = await service.refreshToken(context, second.refreshToken);

      await expect(service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      // The reuse was committed although that call failed: the newest token of the family is dead too.
      await expect(service.refreshToken(context, third.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.refreshToken(context, "not-a-token-we-issued")).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.refreshToken(context, "")).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "refreshToken",
      });
    });

    it("without a grace window, lets one of two concurrent refreshes win, then rejects the whole family", async () => {
      const { refreshToken, account } = await register();
      const results = await Promise.allSettled([
        service.refreshToken(context, refreshToken),
        service.refreshToken(context, refreshToken),
      ]);
      const winners = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const token of [refreshToken, ...winners.map((session) => session.refreshToken)]) {
        await expect(service.refreshToken(context, token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      }
      expect(
        await countRows(
          database,
          "SELECT count(*)::int AS count FROM refresh_tokens WHERE account_id = $1 AND revoked_at IS NULL",
          [account.id],
        ),
      ).toBe(0);
    });

    // Seen (issue 12): two tabs refreshing at once logged the user out, the winner's new token refused too.
    it("regression: 10 concurrent refreshes of one token all end with the same working session, one family", async () => {
      const graceful = serviceWithGrace(5);
      const { refreshToken, account } = await register();
      const sessions = await Promise.all(
        Array.from({ length: 10 }, () => graceful.refreshToken(context, refreshToken)),
      );
      const successors = new Set(sessions.map((session) => session.refreshToken));
      expect(successors.size).toBe(1);
      expect(successors.has(refreshToken)).toBe(false);
      for (const session of sessions) expect(session.account.id).toBe(account.id);
      expect(await liveRefreshTokens(account.id)).toBe(1);
      expect(
        await countRows(
          database,
          "SELECT count(DISTINCT family_id)::int AS count FROM refresh_tokens WHERE account_id = $1",
          [account.id],
        ),
      ).toBe(1);
      // Every tab goes on refreshing with what it got, again all at once: still one live token.
      const next = await Promise.all(sessions.map((session) => graceful.refreshToken(context, session.refreshToken)));
      expect(new Set(next.map((session) => session.refreshToken)).size).toBe(1);
      expect(await liveRefreshTokens(account.id)).toBe(1);
    });

    // Seen (issue 12): a refresh retried after a network blip revoked the session.
    it("regression: a retried refresh within the grace window gets the same successor, even after it rotated on", async () => {
      const graceful = serviceWithGrace(5);
      const { refreshToken, account } = await register();
      const first = await graceful.refreshToken(context, refreshToken);
      const retried = await graceful.refreshToken(context, refreshToken);
      expect(retried.refreshToken).toBe(first.refreshToken);
      // The other tab already rotated once more: the slow one follows the chain to the live token.
      const third = await graceful.refreshToken(context, first.refreshToken);
      expect((await graceful.refreshToken(context, refreshToken)).refreshToken).toBe(third.refreshToken);
      expect(await liveRefreshTokens(account.id)).toBe(1);
    });

    it("revokes the family when a used token comes back after the grace window", async () => {
      const graceful = serviceWithGrace(1);
      const { refreshToken, account } = await register();
      const successor = await graceful.refreshToken(context, refreshToken);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await expect(graceful.refreshToken(context, refreshToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      await expect(graceful.refreshToken(context, successor.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await liveRefreshTokens(account.id)).toBe(0);
    });

    it("gives nothing within the grace window for a token whose family was logged out", async () => {
      const graceful = serviceWithGrace(5);
      const { refreshToken } = await register();
      const successor = await graceful.refreshToken(context, refreshToken);
      await graceful.logout(successor.refreshToken);
      await expect(graceful.refreshToken(context, refreshToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    });

    it("logs out one session family and leaves the others alive", async () => {
      const email = uniqueEmail();
      const first = await register(email, "right password");
      const other = await service.login({ email, password: "right password" });
      await service.logout(first.refreshToken);
      await expect(service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.refreshToken(context, other.refreshToken)).resolves.toMatchObject({
        account: { id: first.account.id },
      });
      await expect(service.logout("unknown-token")).resolves.toBeUndefined();
    });

    it("changes the password: checks the current one, revokes every session, hands out a fresh one", async () => {
      const email = uniqueEmail();
      const first = await register(email, "old password");
      const second = await service.login({ email, password: "old password" });
      const accountId = first.account.id;

      await expect(
        service.changePassword({ accountId, currentPassword: "wrong password", newPassword: "new password" }),
      ).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "invalid credentials" });
      await expect(
        service.changePassword({ accountId, currentPassword: "old password", newPassword: "short" }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "newPassword" });
      // Neither failure changed anything: the old sessions still rotate.
      const stillAlive = await service.refreshToken(context, second.refreshToken);

      const fresh = await service.changePassword({
        accountId,
        currentPassword: "old password",
        newPassword: "new password",
      });
      expect(fresh.account.id).toBe(accountId);
      for (const token of [first.refreshToken, stillAlive.refreshToken]) {
        await expect(service.refreshToken(context, token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      }
      await expect(service.refreshToken(context, fresh.refreshToken)).resolves.toMatchObject({
        account: { id: accountId },
      });
      await expect(service.login({ email, password: "old password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.login({ email, password: "new password" })).resolves.toBeDefined();
    });
  });

  describe("revocation of access tokens", () => {
    const revocationsOf = async (accountId: string) =>
      (await service.recentRevocations()).filter((revocation) => revocation.accountId === accountId);
    const claimsOf = (token: string) =>
      JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sid: string; gen: number };

    it("names the session and the token generation in every access token", async () => {
      const first = await register();
      const refreshed = await service.refreshToken(context, first.refreshToken);
      expect(claimsOf(refreshed.accessToken)).toEqual(expect.objectContaining({ gen: 0 }));
      expect(claimsOf(refreshed.accessToken).sid).toBe(claimsOf(first.accessToken).sid);
      const other = await service.login({ email: first.account.email!, password: "correct horse battery" });
      expect(claimsOf(other.accessToken).sid).not.toBe(claimsOf(first.accessToken).sid);
    });

    it("records a logout as the revocation of that session only", async () => {
      const first = await register();
      await service.logout(first.refreshToken);
      const sessionId = claimsOf(first.accessToken).sid;
      expect(await revocationsOf(first.account.id)).toEqual([expect.objectContaining({ sessionId, generation: 0 })]);
      expect(await service.sessionState({ accountId: first.account.id, sessionId })).toEqual({
        generation: 0,
        sessionRevoked: true,
      });
    });

    it("raises the generation on logout everywhere, password change and role change", async () => {
      const email = uniqueEmail();
      const first = await register(email, "old password");
      const accountId = first.account.id;
      await service.logoutAll(accountId);
      await expect(service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      const changed = await service.changePassword({
        accountId,
        currentPassword: "old password",
        newPassword: "new password",
      });
      expect(claimsOf(changed.accessToken).gen).toBe(2);
      const promoted = await service.setRole({ accountId, role: "admin" });
      expect(promoted.role).toBe("admin");
      const refreshed = await service.refreshToken(context, changed.refreshToken);
      expect(claimsOf(refreshed.accessToken).gen).toBe(3);
      expect(refreshed.account.role).toBe("admin");
      expect((await revocationsOf(accountId)).map((revocation) => revocation.generation)).toEqual([1, 2, 3]);
      expect(await service.sessionState({ accountId, sessionId: "" })).toEqual({
        generation: 3,
        sessionRevoked: false,
      });
    });

    it("disables an account: no login, no refresh, sessions revoked; enabled again it logs in", async () => {
      const email = uniqueEmail();
      const first = await register(email, "right password");
      const disabled = await service.setDisabled({ accountId: first.account.id, disabled: true });
      expect(disabled.disabled).toBe(true);
      await expect(service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.login({ email, password: "right password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
        message: "account is disabled",
      });
      // A wrong password still says only "invalid credentials": being disabled is told only to the owner.
      await expect(service.login({ email, password: "wrong password" })).rejects.toMatchObject({
        message: "invalid credentials",
      });
      await service.setDisabled({ accountId: first.account.id, disabled: false });
      await expect(service.login({ email, password: "right password" })).resolves.toBeDefined();
      await expect(
        service.setDisabled({ accountId: "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b", disabled: true }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("records the revocation of a family whose used token came back", async () => {
      const first = await register();
      await service.refreshToken(context, first.refreshToken);
      await expect(service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await revocationsOf(first.account.id)).toEqual([
        expect.objectContaining({ sessionId: claimsOf(first.accessToken).sid }),
      ]);
    });
  });

  describe("password reset and email verification", () => {
    /** Until one more mail than `count` (by default those sent so far) is out: email work runs after the answer. */
    const waitForMail = (count = sent.length) => vi.waitFor(() => expect(sent.length).toBeGreaterThan(count));

    // Seen (issue 12 review): the reset token was stored before answering, only for a registered address, and the
    // answer took twice as long (70 against 33 ms median): the timing told who has an account.
    it("regression: answers a reset request before any work that depends on the address", async () => {
      const email = uniqueEmail();
      const { account } = await register(email, "old password");
      await waitForMail();
      const before = sent.length;
      service.requestPasswordReset(context, email);
      // Answered, and nothing has been looked up, stored or sent for the account yet: the same as for an unknown one.
      expect(sent.length).toBe(before);
      await waitForMail(before);
      expect(tokenSentTo(email, "reset-password")).toBeDefined();
      expect(
        await countRows(
          database,
          "SELECT count(*)::int AS count FROM account_tokens WHERE account_id = $1 AND purpose = 'password_reset'",
          [account.id],
        ),
      ).toBe(1);
    });

    it("answers a reset request the same whether or not the email exists, and mails only the account", async () => {
      const email = uniqueEmail();
      await register(email, "old password");
      await waitForMail();
      const before = sent.length;
      expect(service.requestPasswordReset(context, uniqueEmail())).toBeUndefined();
      expect(service.requestPasswordReset(context, email.toUpperCase())).toBeUndefined();
      await waitForMail();
      const resets = sent.slice(before).filter((mail) => mail.subject === "Reset your PolyScale password");
      expect(resets.map((mail) => mail.to)).toEqual([email]);
      expect(() => service.requestPasswordReset(context, "not an email")).toThrow(
        expect.objectContaining({ field: "email" }),
      );
    });

    it("resets once with the newest token, stored hashed, and ends every session", async () => {
      const email = uniqueEmail();
      const first = await register(email, "old password");
      await waitForMail();
      service.requestPasswordReset(context, email);
      await waitForMail();
      const stale = tokenSentTo(email, "reset-password")!;
      service.requestPasswordReset(context, email);
      await waitForMail();
      const token = tokenSentTo(email, "reset-password")!;
      expect(token).not.toBe(stale);
      // Only hashes are stored.
      expect(
        await countRows(database, "SELECT count(*)::int AS count FROM account_tokens WHERE token_hash = $1", [
          hashRefreshToken(token),
        ]),
      ).toBe(1);
      expect(
        await countRows(database, "SELECT count(*)::int AS count FROM account_tokens WHERE token_hash = $1::bytea", [
          Buffer.from(token),
        ]),
      ).toBe(0);
      // Asking again voided the earlier link.
      await expect(service.resetPassword({ token: stale, newPassword: "new password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.resetPassword({ token, newPassword: "short" })).rejects.toMatchObject({
        field: "newPassword",
      });
      const fresh = await service.resetPassword({ token, newPassword: "new password" });
      expect(fresh.account.id).toBe(first.account.id);
      await expect(service.resetPassword({ token, newPassword: "newer password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await service.sessionState({ accountId: first.account.id, sessionId: "" })).toMatchObject({
        generation: 1,
      });
      await expect(service.login({ email, password: "new password" })).resolves.toBeDefined();
    });

    it("refuses an expired reset token", async () => {
      const email = uniqueEmail();
      const { account } = await register(email, "old password");
      await waitForMail();
      service.requestPasswordReset(context, email);
      await waitForMail();
      const token = tokenSentTo(email, "reset-password")!;
      await database.query("UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE account_id = $1", [
        account.id,
      ]);
      await expect(service.resetPassword({ token, newPassword: "new password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    });

    it("verifies the email with the link sent at registration; a changed email needs a new one", async () => {
      const email = uniqueEmail();
      const { account } = await register(email);
      await waitForMail();
      expect(account.emailVerified).toBe(false);
      const token = tokenSentTo(email, "verify-email")!;
      expect((await service.verifyEmail(token)).emailVerified).toBe(true);
      await expect(service.verifyEmail(token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      const moved = uniqueEmail();
      const changed = await service.updateProfile({ accountId: account.id, email: moved });
      expect(changed.emailVerified).toBe(false);
      await service.requestEmailVerification(account.id);
      const second = tokenSentTo(moved, "verify-email")!;
      // A link sent to an address the account no longer has is void.
      await service.requestEmailVerification(account.id);
      await service.updateProfile({ accountId: account.id, email: uniqueEmail() });
      await expect(service.verifyEmail(second)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    });
  });
});
