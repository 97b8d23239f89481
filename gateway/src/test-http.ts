/**
 * The one REST client of the gateway's end-to-end helpers (test-gateway-e2e, test-edges, test-sessions-e2e): each
 * binds it to its gateway and its own options.
 */

/**
 * The data of an operation whose shape the call does not state yet. Calls state it as a type argument (`ok<{ me: {
 * id: string } }>(...)`); the ones left unstated are lint findings to type, and this default goes when none are.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the transitional default described above
export type UnstatedData = Record<string, any>;

/** What a REST call sends: a JSON body (a string is sent as it is, for bodies JSON.stringify cannot write). */
export interface RestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

/** Body is the answer's shape, as the caller states it (not checked against it); undefined when it is empty. */
export interface RestAnswer<Body = UnstatedData> {
  status: number;
  headers: Headers;
  body: Body;
}

/** One REST call to the gateway at `gatewayUrl` (e.g. `http://127.0.0.1:4000`), answered as it came. */
export async function restCall<Body = UnstatedData>(
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
