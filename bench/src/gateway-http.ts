/** GraphQL over HTTP to the gateway, as a client outside the system would call it. */

export interface GraphqlResponse<Data> {
  data: Data;
  /** Downstream calls per service from the gateway's Server-Timing header; empty when it sent none. */
  downstreamCalls: Record<string, number>;
}

/** Reads `name;desc="calls=N";dur=…` entries of a Server-Timing header into { name: N }. */
export function parseDownstreamCalls(serverTiming: string | null): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const entry of (serverTiming ?? "").split(",")) {
    const match = /^\s*([\w-]+)\s*;.*desc="calls=(\d+)"/.exec(entry);
    if (match) calls[match[1]!] = Number(match[2]);
  }
  return calls;
}

/** A GraphQL body with no `errors` member: how a load run tells a 200 that failed from one that worked. */
export function isGraphqlSuccess(body: string): boolean {
  return !body.includes('"errors"');
}

export async function graphql<Data>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown>,
  accessToken?: string,
): Promise<GraphqlResponse<Data>> {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: Data; errors?: Array<{ message: string }> };
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL ${response.status}: ${body.errors?.map((error) => error.message).join("; ") ?? text}`);
  }
  return { data: body.data, downstreamCalls: parseDownstreamCalls(response.headers.get("server-timing")) };
}
