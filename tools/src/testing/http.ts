import { expect } from "vitest";

/**
 * The one REST and the one GraphQL client of every end-to-end test that talks to a gateway (imported as
 * @polyscale/tools/testing): the gateway's helpers (test-gateway-e2e, test-edges, test-sessions-e2e) bind them to their
 * gateway and their own options, a suite that starts a system of its own (events.e2e, events-failures.e2e) takes
 * gatewayClients(gatewayUrl), and the launcher's and the harness's tests (test-shop, start.e2e, database-restart.e2e)
 * call graphqlCall and restCall with the URL of the system they started.
 *
 * Every client of these helpers (REST and GraphQL) takes the answer's shape as a type argument (`ok<{ me: { id:
 * string } | null }>(...)`, `rest<{ id: string }>(...)`). Left out, it is `unknown`: a call that only looks at the
 * status or the errors needs none, and one that reads the data without stating its shape does not compile.
 */

/** What a REST call sends: a JSON body (a string is sent as it is, for bodies JSON.stringify cannot write). */
export interface RestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

/** The body of a coded REST refusal, as far as the answer holds it (checks read each part before relying on it). */
export interface RestErrorBody {
  error?: { code?: string; reason?: string; field?: string; message?: string };
}

/** Body is the answer's shape, as the caller states it (not checked against it); undefined when it is empty. */
export interface RestAnswer<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
}

/** One REST call to the gateway at `gatewayUrl` (e.g. `http://127.0.0.1:4000`), answered as it came. */
export async function restCall<Body = unknown>(
  gatewayUrl: string,
  method: string,
  route: string,
  options: RestOptions = {},
): Promise<RestAnswer<Body>> {
  const response = await fetch(`${gatewayUrl}${route}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined || typeof options.body === "string" ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Body };
}

/** One error of a GraphQL answer, with the coded extensions every refusal carries (retryAfterSeconds when throttled). */
export interface GraphQLError {
  message: string;
  /** The response path of the field that raised it (["login", "account", "orders"]); absent for a request error. */
  path?: Array<string | number>;
  extensions?: { code?: string; reason?: string; field?: string; retryAfterSeconds?: number };
}

/** A GraphQL answer; Data is the shape the operation selects, as the caller states it (not checked against it). */
export interface GraphQLAnswer<Data = unknown> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: GraphQLError[];
}

/** What a GraphQL call sends besides the operation. */
export interface GraphQLOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** Aborts the call (e.g. `AbortSignal.timeout(ms)`, so a test that must not hang fails with the call named). */
  signal?: AbortSignal;
}

/** One GraphQL operation (POST /graphql) to the gateway at `gatewayUrl`, answered as it came. */
export async function graphqlCall<Data = unknown>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: GraphQLOptions = {},
): Promise<GraphQLAnswer<Data>> {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: options.signal,
  });
  const body = (await response.json()) as Pick<GraphQLAnswer<Data>, "data" | "errors">;
  return { status: response.status, headers: response.headers, ...body };
}

/** What a GraphQL answer says, for comparing whole answers: status, data and errors (no headers; absent keys left out). */
export function answerOf<Data>({ status, data, errors }: GraphQLAnswer<Data>): Omit<GraphQLAnswer<Data>, "headers"> {
  return { status, ...(data === undefined ? {} : { data }), ...(errors === undefined ? {} : { errors }) };
}

/** The data of a GraphQL operation that must succeed (fails the test, showing the errors, otherwise). */
export function dataOf<Data>(answer: GraphQLAnswer<Data>): Data {
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return answer.data!;
}

/**
 * The clients bound to one gateway (`http://127.0.0.1:4000`): `graphql` and `rest` answer as it came, `ok` gives the
 * data of an operation that must succeed.
 */
export function gatewayClients(gatewayUrl: string) {
  const graphql = <Data = unknown>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    graphqlCall<Data>(gatewayUrl, query, variables, { token });
  return {
    graphql,
    ok: async <Data = unknown>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
      dataOf(await graphql<Data>(query, variables, token)),
    rest: <Body = unknown>(method: string, route: string, options: RestOptions = {}) =>
      restCall<Body>(gatewayUrl, method, route, options),
  };
}
