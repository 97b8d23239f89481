import { describe, expect, it } from "vitest";
import {
  codeOf,
  gateways,
  graphql,
  LOGIN,
  PASSWORD,
  register,
  secondGateway,
  smtp,
  system,
  uniqueEmail,
  useSessionsSystem,
} from "./test-sessions-e2e.js";
import { answerOf } from "@polyscale/tools/testing";

/** Sessions end to end: password reset and email verification through real email. */

useSessionsSystem();

describe("password reset and email verification by email", () => {
  // A new client address per call: each of these counts as an expensive anonymous operation.
  let addresses = 0;
  const freshAddress = () => `198.51.101.${(addresses += 1)}`;
  /** The token of the newest link to `path` in an email to `to` (quoted-printable soft breaks undone). */
  async function tokenFromInbox(to: string, path: string): Promise<string> {
    const pattern = new RegExp(`https://shop\\.example/${path}\\?token=(?:3D)?([A-Za-z0-9_-]{43})`);
    let token: string | undefined;
    await expect
      .poll(
        () => {
          const messages = smtp.inbox
            .filter((raw) => raw.includes(`To: ${to}`))
            .map((raw) => raw.replace(/=\r?\n/g, ""));
          token = messages.map((message) => pattern.exec(message)?.[1]).findLast(Boolean);
          return token;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBeDefined();
    return token!;
  }

  // Seen (issue 12): there was no way back in without an admin.
  it("regression: a forgotten password is reset by email, once, and every old session ends", async () => {
    const user = await register(freshAddress());
    const RESET_REQUEST = `mutation($e: String!) { requestPasswordReset(email: $e) }`;
    const nobody = uniqueEmail("nobody");
    const unknown = await graphql(system.gatewayUrl, RESET_REQUEST, { e: nobody }, { forwardedFor: freshAddress() });
    const known = await graphql(system.gatewayUrl, RESET_REQUEST, { e: user.email }, { forwardedFor: freshAddress() });
    // The same answer whether or not the address has an account.
    expect(answerOf(unknown)).toEqual(answerOf(known));
    expect(answerOf(known)).toEqual({ status: 200, data: { requestPasswordReset: true } });
    const token = await tokenFromInbox(user.email, "reset-password");
    expect(smtp.inbox.some((raw) => raw.includes(nobody))).toBe(false);
    const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { accessToken } }`;
    const reset = await graphql(
      secondGateway.gatewayUrl,
      RESET,
      { t: token, p: "brand-new-password-7" },
      {
        forwardedFor: freshAddress(),
      },
    );
    expect(reset.errors).toBeUndefined();
    // Single use.
    const again = await graphql(
      system.gatewayUrl,
      RESET,
      { t: token, p: "another-password-8" },
      { forwardedFor: freshAddress() },
    );
    expect(again.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // Every old session ended: the refresh token is refused, the old access token too, on every gateway.
    const refresh = await graphql(
      system.gatewayUrl,
      `
        mutation ($r: String!) {
          refreshToken(refreshToken: $r) {
            accessToken
          }
        }
      `,
      { r: user.refreshToken },
      { forwardedFor: freshAddress() },
    );
    expect(refresh.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    for (const gatewayUrl of gateways()) {
      await expect
        .poll(
          async () =>
            codeOf(
              await graphql(
                gatewayUrl,
                `
                  {
                    me {
                      id
                    }
                  }
                `,
                {},
                { token: user.accessToken },
              ),
            ),
          {
            timeout: 1000,
            interval: 20,
          },
        )
        .toBe("UNAUTHENTICATED");
    }
    const oldLogin = await graphql(
      system.gatewayUrl,
      LOGIN,
      { email: user.email, password: PASSWORD },
      { forwardedFor: freshAddress() },
    );
    expect(oldLogin.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const newLogin = await graphql(
      system.gatewayUrl,
      LOGIN,
      { email: user.email, password: "brand-new-password-7" },
      {
        forwardedFor: freshAddress(),
      },
    );
    expect(newLogin.errors).toBeUndefined();
  });

  it("verifies an email through the link sent at registration, over REST", async () => {
    const user = await register(freshAddress());
    const token = await tokenFromInbox(user.email, "verify-email");
    const response = await fetch(`${system.gatewayUrl}/email-verification/confirm`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": freshAddress() },
      body: JSON.stringify({ token }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: user.account.id, emailVerified: true });
    const reused = await fetch(`${system.gatewayUrl}/email-verification/confirm`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": freshAddress() },
      body: JSON.stringify({ token }),
    });
    expect(reused.status).toBe(401);
  });
});
