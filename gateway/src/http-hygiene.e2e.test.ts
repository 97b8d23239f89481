import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";

/** Resolves with everything the server sent once it closes the connection, and how long that took. */
function collect(socket: Socket): Promise<{ text: string; ms: number }> {
  const startedAt = Date.now();
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  return new Promise((resolve) => {
    socket.on("error", () => {});
    socket.on("close", () => resolve({ text, ms: Date.now() - startedAt }));
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * The gateway process alone (startTestSystem with only the gateway): its services' addresses are free ports nothing
 * listens on, and none of these answers needs them.
 */
async function startLoneGateway(env: Record<string, string>): Promise<{ running: TestSystem; port: number }> {
  const running = await startTestSystem({ only: ["gateway"], env: { LOG_LEVEL: "silent", ...env } });
  return { running, port: running.ports.gateway };
}

describe("gateway HTTP hygiene over real sockets", () => {
  let running: TestSystem;
  let port: number;
  const output = () => running.system.processes.gateway?.output() ?? "";
  const base = () => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    ({ running, port } = await startLoneGateway({
      LOG_LEVEL: "info",
      HTTP_HEADERS_TIMEOUT_SECONDS: "1",
      HTTP_REQUEST_TIMEOUT_SECONDS: "2",
      HTTP_MAX_CONNECTIONS: "4",
      MAX_BODY_BYTES: "1024",
    }));
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("answers a wrong method on a known route with 405 and Allow", async () => {
    const response = await fetch(`${base()}/password-reset`, { method: "PUT" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({
      code: "METHOD_NOT_ALLOWED",
      reason: "METHOD_NOT_ALLOWED",
    });
    const unknown = await fetch(`${base()}/no-such-route`, { method: "PUT" });
    expect(unknown.status).toBe(404);
  });

  it("refuses a REST body that is not JSON with 415", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded"]) {
      const response = await fetch(`${base()}/password-reset`, {
        method: "POST",
        headers: { "content-type": contentType },
        body: "email=a@example.com",
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { error: unknown }).error).toMatchObject({ reason: "UNSUPPORTED_MEDIA_TYPE" });
    }
  });

  it("lets the client read the 413 before the connection closes", async () => {
    const socket = await open(port);
    const answer = collect(socket);
    socket.write(
      "POST /password-reset HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
    );
    // Sends the whole oversized body, as a client that does not wait for an answer does.
    socket.write(Buffer.alloc(100_000, "a"));
    const { text } = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toContain('"reason":"PAYLOAD_TOO_LARGE"');
    expect(text).not.toMatch(/HTTP\/1\.1 400 /);
  }, 15_000);

  it("answers a request line and headers beyond Node's limit with a coded JSON 431", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/products?q=${"a".repeat(100_000)}`);
    expect(response.status).toBe(431);
    expect(await response.json()).toMatchObject({ error: { code: "HEADERS_TOO_LARGE", reason: "HEADERS_TOO_LARGE" } });
  });

  it("cuts off a body trickled slowly once the request timeout passes", async () => {
    const socket = await open(port);
    const answer = collect(socket);
    socket.write(
      "POST /password-reset HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
    );
    const trickle = setInterval(() => !socket.destroyed && socket.write("a"), 300);
    const { text, ms } = await answer;
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(5000);
    // Seen: logged at error ("aborted", ECONNRESET, "request failed"): the client's fault is info, not an error of ours.
    // The gateway logs once Node has cut the request off: wait for the line (a busy machine may take a while).
    for (let waited = 0; !output().includes("client went away") && waited < 10_000; waited += 100) await sleep(100);
    const lines = output()
      .split("\n")
      .filter((line) => line.startsWith("{"));
    expect(lines.map((line) => JSON.parse(line) as { msg: string })).toContainEqual(
      expect.objectContaining({ msg: "client went away before its request body arrived" }),
    );
    expect(lines.filter((line) => ["error", "fatal"].includes((JSON.parse(line) as { level: string }).level))).toEqual(
      [],
    );
  }, 15_000);

  it("cuts off headers trickled slowly once the headers timeout passes", async () => {
    const socket = await open(port);
    const answer = collect(socket);
    socket.write("GET /healthz HTTP/1.1\r\n");
    const trickle = setInterval(() => !socket.destroyed && socket.write("X-A: a\r\n"), 200);
    const { text, ms } = await answer;
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(4000);
  }, 15_000);

  it("drops connections beyond HTTP_MAX_CONNECTIONS and serves again once they close", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => open(port)));
    const extra = await open(port);
    const { text } = await collect(extra);
    expect(text).toBe("");
    for (const socket of held) socket.destroy();
    await sleep(200);
    expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  });
});

describe("GraphQL refusals over HTTP carry extensions.code", () => {
  let running: TestSystem;
  let port: number;

  beforeAll(async () => {
    ({ running, port } = await startLoneGateway({}));
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
  });

  async function graphql(query: string, variables?: Record<string, unknown>) {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as {
      errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
    };
  }

  // Seen without a code: Int overflow and `subscription` operations.
  it("codes an Int overflow in a variable or a literal, and a subscription", async () => {
    const inVariable = await graphql("query($p: PaginationInput) { products(pagination: $p) { id } }", {
      p: { skip: 2_147_483_648, take: 1 },
    });
    expect(inVariable.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(inVariable.errors?.[0]?.message).toMatch(/skip/);
    // Seen: written inline, the same overflow was GRAPHQL_VALIDATION_FAILED with no field.
    const inLiteral = await graphql("{ products(pagination: { skip: 2147483648, take: 1 }) { id } }");
    expect(inLiteral.errors).toEqual([
      expect.objectContaining({
        message: "skip: must be at most 2147483647",
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT", field: "skip" }),
      }),
    ]);
    const inArgument = await graphql('mutation { addToCart(productId: "x", quantity: 2147483648) { total } }');
    expect(inArgument.errors).toEqual([
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT", field: "quantity" }) }),
    ]);
    // Any other validation error stays what it is.
    const unknown = await graphql("{ products(pagination: { skip: 1, nope: 1 }) { id } }");
    expect(unknown.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const subscription = await graphql("subscription { products { id } }");
    expect(subscription.errors?.length).toBeGreaterThan(0);
    for (const error of subscription.errors!) expect(error.extensions?.code).toBeTypeOf("string");
  });
});
