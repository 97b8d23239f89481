import { describe, expect, it } from "vitest";
import { startTestSystem, TEST_ADMIN } from "./test-shop.js";
import { graphqlCall } from "./testing/index.js";

/** What the launcher's "started" promises: the gateway answers calls through every service at once. */
describe("startSystem", () => {
  // Seen: the gateway-rest e2e set-up logged in as soon as startSystem returned and got "account service is
  // unavailable": the gateway had started beside the services, its channel to the account service was backing off,
  // and startSystem took /healthz (alive) for ready. A few fresh starts, since the window depends on start order.
  it("regression: a login through the gateway succeeds as soon as the system is reported started", async () => {
    for (let start = 0; start < 3; start += 1) {
      const running = await startTestSystem();
      try {
        const answer = await graphqlCall<{ login: { accessToken: string } }>(
          running.system.gatewayUrl,
          `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
          { e: TEST_ADMIN.email, p: TEST_ADMIN.password },
        );
        expect(answer.errors, `start ${start + 1}`).toBeUndefined();
        expect(answer.data?.login.accessToken).toEqual(expect.any(String));
      } finally {
        await running.stop();
      }
    }
  }, 180_000);
});
