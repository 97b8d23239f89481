import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import * as repository from "./repository.js";
import { context, countRows, uniqueEmail, useAccountService } from "./test-account-service.js";
import { hashRefreshToken } from "./tokens.js";

describe.each(databaseBackends())("AccountService sessions on $name", (backend) => {
  const bed = useAccountService(backend);
  const { serviceWithGrace, liveRefreshTokens, register } = bed;

  describe("sessions", () => {
    it("logs in with the right password and says only 'invalid credentials' otherwise", async () => {
      const email = uniqueEmail();
      const { account } = await register(email, "right password");
      const session = await bed.service.login({ email: email.toUpperCase(), password: "right password" });
      expect(session.account).toEqual(account);
      expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now());

      const wrongPassword = bed.service.login({ email, password: "wrong password" });
      await expect(wrongPassword).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "invalid credentials" });
      const unknownEmail = bed.service.login({ email: uniqueEmail(), password: "right password" });
      await expect(unknownEmail).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "invalid credentials" });
    });

    it("purges refresh tokens that expired, and only those", async () => {
      const { account, refreshToken } = await register();
      const live = await countRows(
        bed.database,
        "SELECT count(*)::int AS count FROM refresh_tokens WHERE expires_at > now()",
      );
      for (let index = 0; index < 3; index++) {
        await repository.insertRefreshToken(bed.database, {
          id: newId(),
          familyId: newId(),
          accountId: account.id,
          tokenHash: hashRefreshToken(`expired-${index}-${newId()}`),
          expiresAt: new Date(Date.now() - 60_000),
        });
      }
      expect(await bed.service.purgeExpiredRefreshTokens()).toBeGreaterThanOrEqual(3);
      expect(
        await countRows(bed.database, "SELECT count(*)::int AS count FROM refresh_tokens WHERE expires_at <= now()"),
      ).toBe(0);
      expect(
        await countRows(bed.database, "SELECT count(*)::int AS count FROM refresh_tokens WHERE expires_at > now()"),
      ).toBe(live);
      expect((await bed.service.refreshToken(context, refreshToken)).account.id).toBe(account.id);
    });

    it("rotates refresh tokens, and a reused one revokes its whole family", async () => {
      const first = await register();
      const second = await bed.service.refreshToken(context, first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.account.id).toBe(first.account.id);
      const third = await bed.service.refreshToken(context, second.refreshToken);

      await expect(bed.service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      // The reuse was committed although that call failed: the newest token of the family is dead too.
      await expect(bed.service.refreshToken(context, third.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.refreshToken(context, "not-a-token-we-issued")).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.refreshToken(context, "")).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "refreshToken",
      });
    });

    it("without a grace window, lets one of two concurrent refreshes win, then rejects the whole family", async () => {
      const { refreshToken, account } = await register();
      const results = await Promise.allSettled([
        bed.service.refreshToken(context, refreshToken),
        bed.service.refreshToken(context, refreshToken),
      ]);
      const winners = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const token of [refreshToken, ...winners.map((session) => session.refreshToken)]) {
        await expect(bed.service.refreshToken(context, token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      }
      expect(
        await countRows(
          bed.database,
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
          bed.database,
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
      const other = await bed.service.login({ email, password: "right password" });
      await bed.service.logout(first.refreshToken);
      await expect(bed.service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.refreshToken(context, other.refreshToken)).resolves.toMatchObject({
        account: { id: first.account.id },
      });
      await expect(bed.service.logout("unknown-token")).resolves.toBeUndefined();
    });

    it("changes the password: checks the current one, revokes every session, hands out a fresh one", async () => {
      const email = uniqueEmail();
      const first = await register(email, "old password");
      const second = await bed.service.login({ email, password: "old password" });
      const accountId = first.account.id;

      await expect(
        bed.service.changePassword({ accountId, currentPassword: "wrong password", newPassword: "new password" }),
      ).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "invalid credentials" });
      await expect(
        bed.service.changePassword({ accountId, currentPassword: "old password", newPassword: "short" }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "newPassword" });
      // Neither failure changed anything: the old sessions still rotate.
      const stillAlive = await bed.service.refreshToken(context, second.refreshToken);

      const fresh = await bed.service.changePassword({
        accountId,
        currentPassword: "old password",
        newPassword: "new password",
      });
      expect(fresh.account.id).toBe(accountId);
      for (const token of [first.refreshToken, stillAlive.refreshToken]) {
        await expect(bed.service.refreshToken(context, token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      }
      await expect(bed.service.refreshToken(context, fresh.refreshToken)).resolves.toMatchObject({
        account: { id: accountId },
      });
      await expect(bed.service.login({ email, password: "old password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.login({ email, password: "new password" })).resolves.toBeDefined();
    });
  });
});
