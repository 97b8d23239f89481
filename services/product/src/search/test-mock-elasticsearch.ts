/** Test support: an Elasticsearch client whose HTTP layer is @elastic/elasticsearch-mock, so no server is needed. */
import { Client, errors } from "@elastic/elasticsearch";
import ClientMockModule from "@elastic/elasticsearch-mock";
import type { Product } from "../model.js";
import { ElasticsearchEngine } from "./elasticsearch.js";

// The package's typings declare an ES default export, but at runtime module.exports is the class itself.
const ClientMock = ClientMockModule as unknown as typeof ClientMockModule.default;
export type ClientMock = InstanceType<typeof ClientMock>;
export type { MockPattern } from "@elastic/elasticsearch-mock";

export function mockElasticsearchClient(): { client: Client; mock: ClientMock } {
  const mock = new ClientMock();
  // No transport retries: a test's failure should be seen once, as the caller sees it.
  const client = new Client({
    node: "http://elasticsearch.test:9200",
    Connection: mock.getConnection(),
    maxRetries: 0,
  });
  return { client, mock };
}

/** What a mock resolver returns to make the client see an HTTP error status, e.g. 503 from an unavailable cluster. */
export function errorResponse(statusCode: number): errors.ResponseError {
  return new errors.ResponseError({
    statusCode,
    body: { error: { type: "test_failure", reason: `answered ${statusCode} by the test` }, status: statusCode },
    warnings: null,
    meta: {} as errors.ResponseError["meta"]["meta"],
  });
}

/** The category of every product the mocked engine's stand-in database loads. */
export const SHOES = "0193a0a0-0000-7000-8000-000000000001";

/** Stands in for the database: a product for every id asked, in the order asked. */
export function loadProducts(ids: string[]): Promise<Product[]> {
  const createdAt = new Date("2026-01-02T03:04:05.000Z");
  return Promise.resolve(
    ids.map((id) => ({
      id,
      name: `Product ${id}`,
      description: "",
      priceCents: 1_500,
      currency: "USD",
      categoryId: SHOES,
      stock: 1,
      variants: [],
      createdAt,
      updatedAt: createdAt,
      archivedAt: null,
      images: [],
      attributes: [],
    })),
  );
}

/** The value at a path of keys and indexes into a request body, or undefined where the body has no such path. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      typeof node === "object" && node !== null ? (node as Record<string | number, unknown>)[key] : undefined,
    value,
  );
}

/** An engine on the alias "products" over a mocked client, loading the products of its hits from loadProducts. */
export function mockedEngine(): { engine: ElasticsearchEngine; mock: ClientMock } {
  const { client, mock } = mockElasticsearchClient();
  return { engine: new ElasticsearchEngine({ client, index: "products", loadProducts }), mock };
}
