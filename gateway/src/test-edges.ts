import { expect } from "vitest";
import { Database } from "@polyscale/platform";
import { startTestSystem, TEST_ADMIN, type TestSystem } from "@polyscale/tools/test-shop";
import { closeServices, connectServices, type Services } from "./services.js";
import {
  gatewayClients,
  type GraphQLAnswer,
  type GraphQLError,
  type RestAnswer,
  type RestErrorBody,
} from "@polyscale/tools/testing";

/**
 * For the edge suites (money.e2e, edges.property.e2e, line-quantity.e2e): the system with the shared clients of its
 * gateway (@polyscale/tools/testing) and typed gRPC clients, the error checks every edge must pass, and a digest of
 * what the databases hold.
 */

export interface EdgeSystem {
  shop: TestSystem;
  client: ReturnType<typeof gatewayClients>;
  /** Typed gRPC clients of the three services. */
  grpc: Services;
  adminToken: string;
  stop(): Promise<void>;
}

/** The four processes on scratch databases (startTestSystem with `env`), with clients and an admin session. */
export async function startEdgeSystem(env: Record<string, string>): Promise<EdgeSystem> {
  const shop = await startTestSystem({ env });
  const client = gatewayClients(shop.system.gatewayUrl);
  const grpc = connectServices({
    accountServiceAddress: shop.system.addresses.account,
    productServiceAddress: shop.system.addresses.product,
    orderServiceAddress: shop.system.addresses.order,
    grpcDeadlineMs: 10_000,
  });
  const login = await client.ok<{ login: { accessToken: string } }>(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
    {
      e: TEST_ADMIN.email,
      p: TEST_ADMIN.password,
    },
  );
  return {
    shop,
    client,
    grpc,
    adminToken: login.login.accessToken,
    async stop() {
      closeServices(grpc);
      await shop.stop();
    },
  };
}

/**
 * A refusal as every edge must give it: a code that is not INTERNAL, a reason, and for bad input the field at fault.
 * GraphQL documents that do not validate (a literal of the wrong type) name no field: they are the query's fault.
 */
export function expectCodedGraphQLErrors(answer: GraphQLAnswer, operation = ""): GraphQLError[] {
  expect(answer.status, operation).toBeLessThan(500);
  expect(answer.errors?.length, `${operation} ${JSON.stringify(answer)}`).toBeGreaterThan(0);
  for (const error of answer.errors!) {
    const { code, reason, field } = error.extensions ?? {};
    const context = `${operation}: ${error.message}`;
    expect(code, context).toBeTypeOf("string");
    expect(code, context).not.toBe("INTERNAL");
    expect(reason, context).toBeTypeOf("string");
    if (code === "BAD_USER_INPUT") expect(field, context).toBeTypeOf("string");
  }
  return answer.errors!;
}

export function expectCodedRestError(answer: RestAnswer<unknown>): { code: string; reason: string; field?: string } {
  expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
  const error = (answer.body as RestErrorBody | undefined)?.error;
  expect(error?.code).toBeTypeOf("string");
  expect(error?.reason).toBeTypeOf("string");
  if (error?.code === "BAD_USER_INPUT") expect(error.field, error.message).toBeTypeOf("string");
  return error as { code: string; reason: string; field?: string };
}

/** The digest once background work (reservation effects, expiry, relays) has stopped changing it. */
export async function settledDigest(urls: Record<string, string>): Promise<Record<string, string>> {
  let previous = await databaseDigest(urls);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const current = await databaseDigest(urls);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
  throw new Error("the databases kept changing for 10 s");
}

/**
 * What each service database holds: per table its row count and a digest of its rows, so any insert, update or
 * delete shows. The event outbox is counted only: its relay marks rows as published in the background.
 */
export async function databaseDigest(urls: Record<string, string>): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  for (const [service, url] of Object.entries(urls)) {
    const database = await Database.open({ url, poolSize: 1 });
    try {
      const tables = await database.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      for (const { name } of tables.rows) {
        const rows =
          name === "event_outbox"
            ? "count(*)::text"
            : "count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')";
        const result = await database.query<{ state: string }>(`SELECT ${rows} AS state FROM "${name}" t`);
        digest[`${service}.${name}`] = result.rows[0]!.state;
      }
    } finally {
      await database.close();
    }
  }
  return digest;
}
