import { createServer, type Server } from "node:http";
import { startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";
import type { AddressInfo } from "node:net";
import { parse } from "graphql";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Logger } from "@polyscale/platform";
import type { TokenVerifier } from "./auth.js";
import { createGatewayContext } from "./context.js";
import { sendError } from "./http/responses.js";
import { closeServices, connectServices, type Services } from "./services.js";
import { MemoryThrottleStore } from "./throttle-stores.js";
import { Throttle } from "./throttle.js";
import { createGraphQLHandler } from "./graphql/http.js";

/**
 * For the GraphQL-over-HTTP suites (graphql/http.e2e, graphql/input-errors.e2e): the handler on a real node:http
 * server, wired as server.ts wires it, in front of the real product service (the account and order services are not
 * needed by their queries), observed from inside: how often it parsed, what it logged. Started once per file by
 * useGraphQLServer(); gateway-*.e2e.test.ts cover the whole system.
 */

/** A GraphQL-over-HTTP answer, as far as these tests read it. */
export interface Answer {
  data?: { categories?: unknown[] } | null;
  errors?: Array<{ message: string; extensions?: { code?: string; reason?: string } }>;
}

/** One error line the handler logged. */
export interface LoggedError {
  message: string;
  fields: Record<string, unknown>;
}

export interface GraphQLServer {
  /** The server's /graphql URL, for requests post() and get() do not make. */
  readonly url: string;
  /** Documents the handler has parsed since the server started (the parse cache's misses). */
  readonly parses: number;
  /** The "Lamps" category, created before the tests: the one category `{ categories }` answers. */
  readonly lamps: { id: string };
  /** What the handler logged as errors during the current test. */
  readonly logged: LoggedError[];
  /**
   * For the current test only, the product client's listCategories fails as a bug in our own code would: with an
   * Error that is not an AppError and whose message holds an internal address.
   */
  failCategories: () => void;
  /** POSTs a JSON body (a string is sent as it is) to /graphql. */
  post: (
    body: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; headers: Headers; body: Answer }>;
  /** GETs /graphql with these query parameters; body is the parsed answer when it is JSON. */
  get: (
    params: Record<string, string>,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; headers: Headers; text: string; body: Answer | undefined }>;
}

/** Starts the product service and the handler's server before this file's tests and stops them after. */
export function useGraphQLServer(): GraphQLServer {
  const logged: LoggedError[] = [];
  const logger = {
    error: (fields: Record<string, unknown>, message: string) => logged.push({ message, fields }),
    warn: () => {},
    info: () => {},
    debug: () => {},
    child: () => logger,
  } as unknown as Logger;
  const verifier = { verify: () => Promise.resolve(undefined) } as unknown as TokenVerifier;
  const generous = { freeAttempts: 1000, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 60_000 };
  const throttle = new Throttle({
    store: new MemoryThrottleStore(),
    rules: {
      loginPerEmailAndAddress: { name: "pair", ...generous },
      loginPerAddress: { name: "address", ...generous },
      anonymousPerAddress: { name: "anonymous", ...generous },
    },
  });
  let parses = 0;
  const handler = createGraphQLHandler({
    maxDepth: 10,
    maxCost: 5000,
    maxExpensiveMutations: 1,
    maxBodyBytes: 16_384,
    parse: (source) => {
      parses += 1;
      return parse(source, { maxTokens: 1000 });
    },
  });

  let categoriesFail = false;
  let services: Services | undefined;
  let running: TestSystem | undefined;
  let server: Server | undefined;
  let base = "";
  let lamps: { id: string } | undefined;

  beforeAll(async () => {
    running = await startTestSystem({ only: ["product"] });
    const { addresses } = running.system;
    const connected = connectServices({
      accountServiceAddress: addresses.account,
      productServiceAddress: addresses.product,
      orderServiceAddress: addresses.order,
      grpcDeadlineMs: 5000,
    });
    lamps = (await connected.product.createCategory({ name: "Lamps", slug: "", parentId: "" })).category!;
    // A bug in our own code, injected: the resolver's call throws something that is not an AppError.
    const product = new Proxy(connected.product, {
      get(target, property, receiver) {
        if (property === "listCategories" && categoriesFail) {
          return () => Promise.reject(new Error('relation "categories" does not exist at 10.0.0.5:5432'));
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const wired: Services = { ...connected, product };
    services = wired;
    server = createServer((request, response) => {
      const context = createGatewayContext(request, "test-request", {
        services: wired,
        verifier,
        logger,
        grpcDeadlineMs: 1000,
        defaultCurrency: "USD",
        trustProxy: () => false,
        throttle,
      });
      const url = new URL(request.url ?? "/", "http://gateway");
      handler(request, response, context, url).catch((error: unknown) => sendError(response, error, logger));
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (services) closeServices(services);
    await running?.stop();
  });

  beforeEach(() => {
    categoriesFail = false;
    logged.length = 0;
  });

  return {
    get url() {
      return base;
    },
    get parses() {
      return parses;
    },
    get lamps() {
      if (!lamps) throw new Error("the GraphQL server has not started");
      return lamps;
    },
    logged,
    failCategories() {
      categoriesFail = true;
    },
    async post(body, headers = {}) {
      const response = await fetch(base, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
    },
    async get(params, headers = {}) {
      const response = await fetch(`${base}?${new URLSearchParams(params)}`, { headers });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        text,
        body: text.startsWith("{") ? (JSON.parse(text) as Answer) : undefined,
      };
    },
  };
}
