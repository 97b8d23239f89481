/**
 * The one REST client of the gateway's end-to-end helpers (test-gateway-e2e, test-edges, test-sessions-e2e): each
 * binds it to its gateway and its own options.
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
