/**
 * The session suites (sessions-*.e2e.test.ts): sessions as a user meets them, on the whole system with two gateway
 * replicas behind one (simulated) proxy: both trust one hop (TRUST_PROXY=1) and share their throttling counts through
 * Redis; a real SMTP server receives the account service's mail. useSessionsSystem() starts it once per test file.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { newId } from "@polyscale/platform";
import {
  graphqlCall,
  restCall,
  startSmtpServer,
  type GraphQLAnswer,
  type RestAnswer,
  type TestSmtpServer,
} from "@polyscale/tools/testing";
import type { RunningSystem } from "@polyscale/tools/system";
import { startReplica, startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";
import { startTestRedis, type TestRedis } from "./test-redis.js";

export let system: RunningSystem;
export let secondGateway: RunningSystem;
let redis: TestRedis;
export let running: TestSystem;
/** A real SMTP server the account service delivers to. */
export let smtp: TestSmtpServer;

export const PASSWORD = "correct-horse-battery-9";

/**
 * A GraphQL call through a gateway, as if relayed by the proxy for `clientAddress` (or with a forged header), with a
 * guest cart's token in X-Cart-Token when given.
 */
export function graphql<Data = unknown>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown>,
  options: { forwardedFor?: string; token?: string; cartToken?: string } = {},
): Promise<GraphQLAnswer<Data>> {
  return graphqlCall<Data>(gatewayUrl, query, variables, {
    token: options.token,
    headers: {
      ...(options.forwardedFor ? { "x-forwarded-for": options.forwardedFor } : {}),
      ...(options.cartToken ? { "x-cart-token": options.cartToken } : {}),
    },
  });
}

export const REGISTER = `mutation($name: String!, $email: String!, $password: String!) {
  register(input: { name: $name, email: $email, password: $password }) { accessToken refreshToken account { id } }
}`;
export const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;

export const gateways = () => [system.gatewayUrl, secondGateway.gatewayUrl];
export const uniqueEmail = (label: string) => `${label}-${newId()}@example.com`;

export async function register(clientAddress: string, gatewayUrl = system.gatewayUrl) {
  const email = uniqueEmail("user");
  const result = await graphql<{ register: { accessToken: string; refreshToken: string; account: { id: string } } }>(
    gatewayUrl,
    REGISTER,
    { name: "User", email, password: PASSWORD },
    {
      forwardedFor: clientAddress,
    },
  );
  expect(result.errors).toBeUndefined();
  return {
    email,
    ...result.data!.register,
  };
}

export const codeOf = (result: GraphQLAnswer) => result.errors?.[0]?.extensions?.code ?? "OK";

/** A REST call through a gateway, as relayed by the proxy for `forwardedFor`; Body as the caller states it. */
export function rest<Body = unknown>(
  gatewayUrl: string,
  method: "GET" | "POST",
  route: string,
  options: { body?: unknown; token?: string; forwardedFor?: string } = {},
): Promise<RestAnswer<Body>> {
  const { forwardedFor, ...sent } = options;
  return restCall<Body>(gatewayUrl, method, route, {
    ...sent,
    headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
  });
}

/** Starts the system (two gateways, Redis, SMTP) before this file's tests and stops it after them. */
export function useSessionsSystem(): void {
  beforeAll(async () => {
    redis = await startTestRedis();
    smtp = await startSmtpServer();
    running = await startTestSystem({
      env: {
        TRUST_PROXY: "1",
        REDIS_URL: redis.url,
        SMTP_URL: smtp.url,
        APP_URL: "https://shop.example",
        LOGIN_FREE_ATTEMPTS: "5",
        ANONYMOUS_FREE_ATTEMPTS_PER_ADDRESS: "5",
        // Waits long enough that nothing in this file outlives one.
        THROTTLE_BASE_DELAY_MS: "60000",
      },
    });
    system = running.system;
    secondGateway = await startReplica(running, "gateway");
  });
  afterAll(async () => {
    await secondGateway?.stop();
    await running?.stop();
    await redis?.stop();
    await smtp?.close();
  });
}
