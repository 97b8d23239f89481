import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it, vi } from "vitest";
import { context, countRows, sent, tokenSentTo, uniqueEmail, useAccountService } from "./test-account-service.js";
import { hashRefreshToken } from "./tokens.js";

describe.each(databaseBackends())("AccountService emailed tokens on $name", (backend) => {
  const bed = useAccountService(backend);
  const { register } = bed;

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
      bed.service.requestPasswordReset(context, email);
      // Answered, and nothing has been looked up, stored or sent for the account yet: the same as for an unknown one.
      expect(sent.length).toBe(before);
      await waitForMail(before);
      expect(tokenSentTo(email, "reset-password")).toBeDefined();
      expect(
        await countRows(
          bed.database,
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
      expect(bed.service.requestPasswordReset(context, uniqueEmail())).toBeUndefined();
      expect(bed.service.requestPasswordReset(context, email.toUpperCase())).toBeUndefined();
      await waitForMail();
      const resets = sent.slice(before).filter((mail) => mail.subject === "Reset your PolyScale password");
      expect(resets.map((mail) => mail.to)).toEqual([email]);
      expect(() => bed.service.requestPasswordReset(context, "not an email")).toThrow(
        expect.objectContaining({ field: "email" }),
      );
    });

    it("resets once with the newest token, stored hashed, and ends every session", async () => {
      const email = uniqueEmail();
      const first = await register(email, "old password");
      await waitForMail();
      bed.service.requestPasswordReset(context, email);
      await waitForMail();
      const stale = tokenSentTo(email, "reset-password")!;
      bed.service.requestPasswordReset(context, email);
      await waitForMail();
      const token = tokenSentTo(email, "reset-password")!;
      expect(token).not.toBe(stale);
      // Only hashes are stored.
      expect(
        await countRows(bed.database, "SELECT count(*)::int AS count FROM account_tokens WHERE token_hash = $1", [
          hashRefreshToken(token),
        ]),
      ).toBe(1);
      expect(
        await countRows(
          bed.database,
          "SELECT count(*)::int AS count FROM account_tokens WHERE token_hash = $1::bytea",
          [Buffer.from(token)],
        ),
      ).toBe(0);
      // Asking again voided the earlier link.
      await expect(bed.service.resetPassword({ token: stale, newPassword: "new password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.resetPassword({ token, newPassword: "short" })).rejects.toMatchObject({
        field: "newPassword",
      });
      const fresh = await bed.service.resetPassword({ token, newPassword: "new password" });
      expect(fresh.account.id).toBe(first.account.id);
      await expect(bed.service.resetPassword({ token, newPassword: "newer password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await bed.service.sessionState({ accountId: first.account.id, sessionId: "" })).toMatchObject({
        generation: 1,
      });
      await expect(bed.service.login({ email, password: "new password" })).resolves.toBeDefined();
    });

    it("refuses an expired reset token", async () => {
      const email = uniqueEmail();
      const { account } = await register(email, "old password");
      await waitForMail();
      bed.service.requestPasswordReset(context, email);
      await waitForMail();
      const token = tokenSentTo(email, "reset-password")!;
      await bed.database.query(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE account_id = $1",
        [account.id],
      );
      await expect(bed.service.resetPassword({ token, newPassword: "new password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    });

    it("verifies the email with the link sent at registration; a changed email needs a new one", async () => {
      const email = uniqueEmail();
      const { account } = await register(email);
      await waitForMail();
      expect(account.emailVerified).toBe(false);
      const token = tokenSentTo(email, "verify-email")!;
      expect((await bed.service.verifyEmail(token)).emailVerified).toBe(true);
      await expect(bed.service.verifyEmail(token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      const moved = uniqueEmail();
      const changed = await bed.service.updateProfile({ accountId: account.id, email: moved });
      expect(changed.emailVerified).toBe(false);
      await bed.service.requestEmailVerification(account.id);
      const second = tokenSentTo(moved, "verify-email")!;
      // A link sent to an address the account no longer has is void.
      await bed.service.requestEmailVerification(account.id);
      await bed.service.updateProfile({ accountId: account.id, email: uniqueEmail() });
      await expect(bed.service.verifyEmail(second)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    });

    // Seen (issue 16 re-check): the refusals named "id", a field RequestEmailVerification's request does not have.
    it("regression: a verification request for a malformed or unknown account names accountId", async () => {
      await expect(bed.service.requestEmailVerification("42")).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "accountId",
      });
      await expect(bed.service.requestEmailVerification("0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b")).rejects.toMatchObject({
        code: "NOT_FOUND",
        reason: "ACCOUNT_NOT_FOUND",
        field: "accountId",
      });
    });
  });
});
