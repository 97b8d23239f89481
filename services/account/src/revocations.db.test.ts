import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { context, uniqueEmail, useAccountService } from "./test-account-service.js";

describe.each(databaseBackends())("AccountService revocations on $name", (backend) => {
  const bed = useAccountService(backend);
  const { register } = bed;

  describe("revocation of access tokens", () => {
    const revocationsOf = async (accountId: string) =>
      (await bed.service.recentRevocations()).filter((revocation) => revocation.accountId === accountId);
    const claimsOf = (token: string) =>
      JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sid: string; gen: number };

    it("names the session and the token generation in every access token", async () => {
      const first = await register();
      const refreshed = await bed.service.refreshToken(context, first.refreshToken);
      expect(claimsOf(refreshed.accessToken)).toEqual(expect.objectContaining({ gen: 0 }));
      expect(claimsOf(refreshed.accessToken).sid).toBe(claimsOf(first.accessToken).sid);
      const other = await bed.service.login({ email: first.account.email!, password: "correct horse battery" });
      expect(claimsOf(other.accessToken).sid).not.toBe(claimsOf(first.accessToken).sid);
    });

    it("records a logout as the revocation of that session only", async () => {
      const first = await register();
      await bed.service.logout(first.refreshToken);
      const sessionId = claimsOf(first.accessToken).sid;
      expect(await revocationsOf(first.account.id)).toEqual([expect.objectContaining({ sessionId, generation: 0 })]);
      expect(await bed.service.sessionState({ accountId: first.account.id, sessionId })).toEqual({
        generation: 0,
        sessionRevoked: true,
      });
    });

    it("raises the generation on logout everywhere, password change and role change", async () => {
      const email = uniqueEmail();
      const first = await register(email, "old password");
      const accountId = first.account.id;
      await bed.service.logoutAll(accountId);
      await expect(bed.service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      const changed = await bed.service.changePassword({
        accountId,
        currentPassword: "old password",
        newPassword: "new password",
      });
      expect(claimsOf(changed.accessToken).gen).toBe(2);
      const promoted = await bed.service.setRole({ accountId, role: "admin" });
      expect(promoted.role).toBe("admin");
      const refreshed = await bed.service.refreshToken(context, changed.refreshToken);
      expect(claimsOf(refreshed.accessToken).gen).toBe(3);
      expect(refreshed.account.role).toBe("admin");
      expect((await revocationsOf(accountId)).map((revocation) => revocation.generation)).toEqual([1, 2, 3]);
      expect(await bed.service.sessionState({ accountId, sessionId: "" })).toEqual({
        generation: 3,
        sessionRevoked: false,
      });
    });

    it("disables an account: no login, no refresh, sessions revoked; enabled again it logs in", async () => {
      const email = uniqueEmail();
      const first = await register(email, "right password");
      const disabled = await bed.service.setDisabled({ accountId: first.account.id, disabled: true });
      expect(disabled.disabled).toBe(true);
      await expect(bed.service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      await expect(bed.service.login({ email, password: "right password" })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
        message: "account is disabled",
      });
      // A wrong password still says only "invalid credentials": being disabled is told only to the owner.
      await expect(bed.service.login({ email, password: "wrong password" })).rejects.toMatchObject({
        message: "invalid credentials",
      });
      await bed.service.setDisabled({ accountId: first.account.id, disabled: false });
      await expect(bed.service.login({ email, password: "right password" })).resolves.toBeDefined();
      await expect(
        bed.service.setDisabled({ accountId: "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b", disabled: true }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("records the revocation of a family whose used token came back", async () => {
      const first = await register();
      await bed.service.refreshToken(context, first.refreshToken);
      await expect(bed.service.refreshToken(context, first.refreshToken)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await revocationsOf(first.account.id)).toEqual([
        expect.objectContaining({ sessionId: claimsOf(first.accessToken).sid }),
      ]);
    });
  });
});
