import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * The two tiers. `npm run test:unit` runs the `unit` project: no processes, no databases, seconds. `npm test` runs
 * both projects, each file once. A test that starts processes or needs a database is named `*.e2e.test.ts` (or
 * `*.browser.test.ts`, `*.live.test.ts`); the files listed below predate that naming. A storage test put in the unit
 * tier by mistake fails there at once: the unit project starts no PostgreSQL, so TEST_DATABASE_URL is unset.
 */
const systemTests = [
  "**/src/**/*.e2e.test.ts",
  "**/src/**/*.browser.test.ts",
  "**/src/**/*.live.test.ts",
  // Storage tests (databaseBackends, scratch databases) and tests that spawn processes, named before the convention.
  "deploy/src/compose-smoke.test.ts",
  "deploy/src/compose.test.ts",
  "deploy/src/kubernetes.test.ts",
  "deploy/src/observability.test.ts",
  "gateway/src/graphql/http.test.ts",
  "gateway/src/http-hygiene.test.ts",
  "gateway/src/main.test.ts",
  "gateway/src/throttle.test.ts",
  "packages/platform/src/database.test.ts",
  "packages/platform/src/events/relay.test.ts",
  "packages/platform/src/migrations.test.ts",
  "packages/platform/src/telemetry/tracing.test.ts",
  "services/account/src/accounts.test.ts",
  "services/account/src/emailed-tokens.test.ts",
  "services/account/src/revocation-feed.test.ts",
  "services/account/src/sessions.test.ts",
  "services/order/src/e2e.test.ts",
  "services/order/src/cart.test.ts",
  "services/order/src/limits.test.ts",
  "services/order/src/main.test.ts",
  "services/order/src/orders.test.ts",
  "services/order/src/payments.test.ts",
  "services/order/src/placement.test.ts",
  "services/order/src/reconciler.test.ts",
  "services/product/src/inventory.test.ts",
  "services/product/src/main.test.ts",
  "services/product/src/search/indexer.test.ts",
  "services/product/src/search/postgres-browse-counts.test.ts",
  "services/product/src/search/postgres-engine.test.ts",
  "services/product/src/search/postgres-paging.test.ts",
  "services/product/src/search/postgres-plans.test.ts",
  "services/product/src/search/reindex.test.ts",
  "services/product/src/service.test.ts",
  "tools/src/events-tail.test.ts",
];
const ignored = ["**/node_modules/**", "**/dist/**"];

export default defineConfig({
  resolve: {
    alias: [
      // graphql 16 ships CommonJS and ES module builds. Node (and so production) loads the CommonJS one for everyone;
      // Vite would give our sources the ES one while dependencies such as @graphql-tools/schema get the CommonJS one,
      // two graphql-js instances that refuse each other's schemas. Tests load what production loads.
      { find: /^graphql$/, replacement: require.resolve("graphql") },
    ],
  },
  test: {
    pool: "forks",
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["**/src/**/*.test.ts"], exclude: [...ignored, ...systemTests] },
      },
      {
        extends: true,
        test: {
          name: "system",
          include: systemTests,
          exclude: ignored,
          // End-to-end suites start real processes and databases; allow for a slow, busy CI machine.
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One embedded PostgreSQL for the whole run, unless TEST_DATABASE_URL names a server.
          globalSetup: ["tools/src/test-global-setup.ts"],
        },
      },
    ],
  },
});
