import { describe, expect, it } from "vitest";
import { useGraphQLServer } from "../test-graphql-http.js";
import { LruCache } from "./documents.js";

/**
 * GraphQL over HTTP: the handler's HTTP rules (methods, content types, malformed and oversized bodies), its error codes,
 * the parse cache, the masking of unexpected failures, GraphiQL and introspection (../test-graphql-http.ts: the
 * handler on a real server in front of the real product service).
 */

const server = useGraphQLServer();
const { post, get, logged } = server;

describe("GraphQL over HTTP", () => {
  it("parses and validates a query string once, then only executes it", async () => {
    const query = `{ categories { id name } }`;
    const before = server.parses;
    for (let round = 0; round < 3; round += 1) {
      const result = await post({ query });
      expect(result.body).toEqual({ data: { categories: [{ id: server.lamps.id, name: "Lamps" }] } });
    }
    expect(server.parses - before).toBe(1);
    // GET shares the cache; a different string is a new entry; refused queries are cached too.
    expect((await get({ query })).body?.data?.categories).toHaveLength(1);
    expect(server.parses - before).toBe(1);
    await post({ query: `{ categories { slug } }` });
    expect(server.parses - before).toBe(2);
    await post({ query: `{ nope }` });
    await post({ query: `{ nope }` });
    expect(server.parses - before).toBe(3);
  });

  it("keeps the most recently used entries when the cache is full", () => {
    const cache = new LruCache<string, number>({ limit: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1);
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.size).toBe(2);
  });

  it("answers a syntax error with GRAPHQL_PARSE_FAILED", async () => {
    const result = await post({ query: `{ categories { id }` });
    expect(result.status).toBe(200);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors).toEqual([
      expect.objectContaining({
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
        message: expect.stringMatching(/^Syntax Error/),
        extensions: { code: "GRAPHQL_PARSE_FAILED", reason: "INVALID_QUERY" },
      }),
    ]);
    const tooMany = await post({ query: `{ ${"__typename ".repeat(1001)}}` });
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("answers an invalid query or one over a limit with GRAPHQL_VALIDATION_FAILED, hiding suggestions", async () => {
    const unknown = await post({ query: `{ categories { nam } }` });
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors).toHaveLength(1);
    expect(unknown.body.errors?.[0]?.extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
      reason: "INVALID_QUERY",
    });
    expect(unknown.body.errors?.[0]?.message).toContain("[Suggestion hidden]");
    expect(unknown.body.errors?.[0]?.message).not.toContain("Did you mean");

    const aliases = Array.from({ length: 16 }, (_, index) => `a${index}: categories { id }`).join(" ");
    const overAliases = await post({ query: `{ ${aliases} }` });
    expect(overAliases.body.errors?.[0]).toMatchObject({
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      message: expect.stringMatching(/Aliases limit of 15 exceeded/),
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });

    let selection = "id";
    for (let level = 0; level < 12; level += 1) selection = `parent { ${selection} }`;
    const tooDeep = await post({ query: `{ categories { ${selection} } }` });
    expect(tooDeep.body.errors?.[0]).toMatchObject({
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      message: expect.stringMatching(/depth limit of 10 exceeded/),
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
  });

  // Seen (issue 10): 15 aliased registers in one request cost 15 password hashes.
  it("regression: refuses a mutation running more than one password-hashing field, however it is spelled", async () => {
    const register = (alias: string) =>
      `${alias}: register(input: { name: "A", email: "${alias}@example.com", password: "long enough" }) { accessToken }`;
    const aliased = Array.from({ length: 15 }, (_, index) => register(`r${index}`)).join(" ");
    const refused = await post({ query: `mutation { ${aliased} }` });
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
        message: expect.stringMatching(
          /at most 1 of register, login, changePassword, createAccount, resetPassword; this one runs 15/,
        ),
        extensions: { code: "GRAPHQL_VALIDATION_FAILED", reason: "INVALID_QUERY" },
      }),
    ]);
    // Through fragments and inline fragments, mixed with login.
    const fragments = `mutation { ...A ... on Mutation { l: login(email: "a@example.com", password: "x") { accessToken } } }
      fragment A on Mutation { ${register("r")} ...B } fragment B on Mutation { ...A }`;
    const viaFragments = await post({ query: fragments });
    expect(viaFragments.body.errors?.map((error) => error.message)).toContainEqual(
      expect.stringMatching(/this one runs 2/),
    );
    expect(viaFragments.body.data).toBeUndefined();
    // A query is not a mutation: fields named like these elsewhere do not count.
    const query = await post({ query: `{ a: __typename b: __typename }` });
    expect(query.body.errors).toBeUndefined();
  });

  it("runs the named operation with its variables, with the Server-Timing header", async () => {
    const query = `query A { a: __typename } query B($named: Boolean!) { categories { id } __typename @include(if: $named) }`;
    const result = await post({ query, operationName: "B", variables: { named: true } });
    expect(result.body).toEqual({ data: { categories: [{ id: server.lamps.id }], __typename: "Query" } });
    expect(result.headers.get("server-timing")).toMatch(/product;desc="calls=1"/);
    expect(result.headers.get("content-type")).toBe("application/json; charset=utf-8");

    const unnamed = await post({ query });
    expect(unnamed.body.errors?.[0]?.extensions?.code).toBe("OPERATION_RESOLUTION_FAILURE");
    const badVariable = await post({ query: `query($id: String!) { product(id: $id) { id } }`, variables: { id: 5 } });
    // Named by the argument the variable feeds, as a literal would be.
    expect(badVariable.body.errors?.[0]).toMatchObject({
      message: "id: String cannot represent a non string value: 5",
      extensions: { code: "BAD_USER_INPUT", field: "id" },
    });
  });

  it("masks an unexpected failure as INTERNAL and logs it without stack", async () => {
    server.failCategories();
    const result = await post({ query: `{ categories { id } }` });
    expect(result.body).toEqual({
      data: null,
      errors: [
        {
          message: "internal error",
          locations: [{ line: 1, column: 3 }],
          path: ["categories"],
          extensions: { code: "INTERNAL", reason: "INTERNAL" },
        },
      ],
    });
    expect(JSON.stringify(result.body)).not.toContain("10.0.0.5");
    expect(logged).toEqual([
      {
        message: "graphql error",
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
        fields: { err: { type: "Error", message: expect.stringContaining("does not exist") }, path: ["categories"] },
      },
    ]);
  });

  it("answers 400 without data when the client asks for application/graphql-response+json", async () => {
    const result = await post({ query: `{ nope }` }, { accept: "application/graphql-response+json" });
    expect(result.status).toBe(400);
    expect(result.headers.get("content-type")).toBe("application/graphql-response+json; charset=utf-8");
    expect(result.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const ok = await post({ query: `{ __typename }` }, { "content-type": "application/graphql-response+json" });
    expect(ok).toMatchObject({ status: 200, body: { data: { __typename: "Query" } } });
  });

  it("refuses a mutation over GET with 405, and other methods", async () => {
    const mutation = await get({ query: `mutation { logout(refreshToken: "x") }` });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get("allow")).toBe("POST");
    expect(mutation.body).toEqual({
      error: { code: "METHOD_NOT_ALLOWED", message: "a mutation must be sent with POST", reason: "METHOD_NOT_ALLOWED" },
    });
    const put = await fetch(server.url, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe("METHOD_NOT_ALLOWED");
    expect((await get({ query: `{ __typename }` })).body).toEqual({ data: { __typename: "Query" } });
  });

  it("refuses other content types with 415", async () => {
    const result = await post(`{ __typename }`, { "content-type": "text/plain" });
    expect(result.status).toBe(415);
    expect(result.body).toEqual({
      error: {
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: "content-type must be application/json",
        reason: "UNSUPPORTED_MEDIA_TYPE",
      },
    });
    expect(
      (await post({ query: `{ __typename }` }, { "content-type": "application/json; charset=utf-8" })).status,
    ).toBe(200);
  });

  it("refuses malformed requests and bodies over the limit with the REST error shape", async () => {
    expect(await post("{not json")).toMatchObject({
      status: 400,
      body: { error: { code: "BAD_USER_INPUT", field: "body" } },
    });
    expect(await post({ variables: {} })).toMatchObject({ status: 400, body: { error: { field: "query" } } });
    expect(await post({ query: `{ __typename }`, variables: [1] })).toMatchObject({
      status: 400,
      body: { error: { field: "variables" } },
    });
    expect(await post({ query: `{ __typename }`, padding: "x".repeat(20_000) })).toMatchObject({
      status: 413,
      body: { error: { code: "PAYLOAD_TOO_LARGE" } },
    });
  });

  it("serves GraphiQL to browsers", async () => {
    const page = await get({}, { accept: "text/html,application/xhtml+xml" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.text).toContain("<html");
    expect(page.text).toContain("<title>PolyScale GraphQL</title>");
    // Seen (issue 11): assets from a public CDN, so offline the page stayed at "Loading __TITLE__...".
    expect(page.text).not.toContain("__TITLE__");
    expect(page.text).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
    expect(page.text).not.toContain("unpkg.com");
  });

  it("answers introspection, which GraphiQL needs", async () => {
    const result = await post({ query: `{ __schema { queryType { name } mutationType { name } } }` });
    expect(result.body).toEqual({
      data: { __schema: { queryType: { name: "Query" }, mutationType: { name: "Mutation" } } },
    });
  });
});
