import { describe, expect, it } from "vitest";
import { startTestSystem, TEST_ADMIN } from "./test-shop.js";

/** What the launcher's "started" promises: the gateway answers calls through every service at once. */
describe("startSystem", () => {
  // Seen: the gateway-rest e2e set-up logged in as soon as startSystem returned and got "account service is
  // unavailable": the gateway had started beside the services, its channel to the account service was backing off,
  // and startSystem took /healthz (alive) for ready. A few fresh starts, since the window depends on start order.
  it("regression: a login through the gateway succeeds as soon as the system is reported started", async () => {
    for (let start = 0; start < 3; start += 1) {
      const running = await startTestSystem();
      try {
        const response = await fetch(`${running.system.gatewayUrl}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
            variables: { e: TEST_ADMIN.email, p: TEST_ADMIN.password },
          }),
        });
        const body = (await response.json()) as { data?: { login: { accessToken: string } }; errors?: unknown[] };
        expect(body.errors, `start ${start + 1}`).toBeUndefined();
        expect(body.data?.login.accessToken).toEqual(expect.any(String));
      } finally {
        await running.stop();
      }
    }
  }, 180_000);
});
