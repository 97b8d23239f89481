import { parse, type OperationDefinitionNode } from "graphql";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createLogger, metricsRegistry } from "@polyscale/platform";
import type { TokenVerifier } from "./auth.js";
import { createGatewayContext } from "./context.js";
import { createGraphQLHandler } from "./graphql/http.js";
import { operationLabel } from "./metrics.js";
import { sendError } from "./http/responses.js";
import { closeServices, connectServices } from "./services.js";
import { MemoryThrottleStore } from "./throttle-stores.js";
import { Throttle } from "./throttle.js";

const operationOf = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

describe("GraphQL operation label", () => {
  it("is the root field selected, whatever name the client gave the operation", () => {
    expect(operationLabel(operationOf(`mutation MyVeryOwnName_123 { checkout { id } }`))).toBe("checkout");
    expect(operationLabel(operationOf(`{ searchProducts(query: "x") { totalCount } }`))).toBe("searchProducts");
  });

  it("buckets operations selecting several root fields or only fragments", () => {
    expect(operationLabel(operationOf(`{ me { id } products { id } }`))).toBe("multiple");
    expect(operationLabel(operationOf(`{ ...F } fragment F on Query { me { id } }`))).toBe("fragment");
  });
});

/** The value of a series of the gateway's GraphQL metrics with these labels (0 when it has none yet). */
async function seriesValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((candidate) => name.startsWith(candidate.name));
  const matching = (metric?.values ?? []).find(
    (value) =>
      // Histograms name each value (_bucket, _sum, _count); counters do not.
      ((value as { metricName?: string }).metricName ?? metric!.name) === name &&
      Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return matching?.value ?? 0;
}

// Seen (issue 15): requests refused before execution were in neither graphql_operations_total nor its duration.
describe("GraphQL requests refused before execution", () => {
  it("regression: are counted and timed with outcome invalid, and only those", async () => {
    const generous = { freeAttempts: 1000, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 60_000 };
    // Clients of nothing: none of these requests reaches a service.
    const services = connectServices({
      accountServiceAddress: "127.0.0.1:9",
      productServiceAddress: "127.0.0.1:9",
      orderServiceAddress: "127.0.0.1:9",
      grpcDeadlineMs: 1000,
    });
    const logger = createLogger("gateway-metrics-test", "silent");
    const handler = createGraphQLHandler({
      maxDepth: 10,
      maxCost: 5000,
      maxExpensiveMutations: 1,
      maxBodyBytes: 16_384,
    });
    const server = createServer((request, response) => {
      const context = createGatewayContext(request, "test-request", {
        services,
        verifier: { verify: () => Promise.resolve(undefined) } as unknown as TokenVerifier,
        logger,
        grpcDeadlineMs: 1000,
        defaultCurrency: "USD",
        trustProxy: () => false,
        throttle: new Throttle({
          store: new MemoryThrottleStore(),
          rules: {
            loginPerEmailAndAddress: { name: "pair", ...generous },
            loginPerAddress: { name: "address", ...generous },
            anonymousPerAddress: { name: "anonymous", ...generous },
          },
        }),
      });
      handler(request, response, context, new URL(request.url ?? "/", "http://gateway")).catch((error: unknown) =>
        sendError(response, error, logger),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { errors?: unknown[] };
    };
    const invalid = { operation_type: "invalid", operation: "invalid", outcome: "invalid" };
    const valid = { operation_type: "query", operation: "__typename", outcome: "ok" };
    const read = async () => ({
      invalid: await seriesValue("graphql_operations_total", invalid),
      invalidTimed: await seriesValue("graphql_operation_duration_seconds_count", invalid),
      valid: await seriesValue("graphql_operations_total", valid),
    });
    try {
      const before = await read();
      for (const body of [
        { query: "{ __typename" }, // does not parse
        { query: "{ noSuchField }" }, // does not validate
        { query: "subscription { __typename }" }, // no Subscription type
        { query: "query A { __typename }", operationName: "B" }, // no such operation
      ]) {
        expect((await post(body)).errors, JSON.stringify(body)).toHaveLength(1);
      }
      expect((await post({ query: "{ __typename }" })).errors).toBeUndefined();
      expect(await read()).toEqual({
        invalid: before.invalid + 4,
        invalidTimed: before.invalidTimed + 4,
        valid: before.valid + 1,
      });
    } finally {
      server.close();
      closeServices(services);
    }
  });
});
