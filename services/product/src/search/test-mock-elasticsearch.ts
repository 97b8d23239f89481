/** Test support: an Elasticsearch client whose HTTP layer is @elastic/elasticsearch-mock, so no server is needed. */
import { Client, errors } from "@elastic/elasticsearch";
import ClientMockModule from "@elastic/elasticsearch-mock";

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
