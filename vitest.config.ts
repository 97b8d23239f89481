import { createRequire } from "node:module";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * The two tiers. `npm run test:unit` runs the `unit` project: no processes, no databases, seconds. `npm test` runs
 * both projects, each file once. A test that starts processes or needs a database is named `*.e2e.test.ts` (or
 * `*.browser.test.ts`, `*.live.test.ts`); the files listed below predate that naming. A storage test put in the unit
 * tier by mistake fails there at once: the unit project starts no PostgreSQL, so TEST_DATABASE_URL is unset, and one
 * that starts a process fails there too (tools/src/test-unit-setup.ts).
 *
 * The unit tier needs no build: it loads every workspace package from its TypeScript sources through the
 * `@polyscale/source` export condition (Node and tsc ignore it, so production and the system tier load dist/).
 */
const systemTests = [
  "**/src/**/*.e2e.test.ts",
  "**/src/**/*.browser.test.ts",
  "**/src/**/*.live.test.ts",
  // Storage tests (databaseBackends, scratch databases) and tests that spawn processes, named before the convention.
  "deploy/src/compose-smoke.test.ts",
  "deploy/src/compose.test.ts",
  // Check what the build wrote, so they run where the build runs first.
  "deploy/src/dist-contents.test.ts",
  "tools/src/build-inputs.test.ts",
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
// Vite's server conditions without "module": dependencies are loaded by Node itself, which has no such condition.
const sourceFirst = ["@polyscale/source", ...defaultServerConditions.filter((condition) => condition !== "module")];

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
        resolve: { conditions: sourceFirst },
        ssr: { resolve: { conditions: sourceFirst } },
        test: {
          name: "unit",
          // One pool of threads that imports the sources once, not once per file (most of the tier's time went to
          // importing). Without isolation a test that changes globals, env or timers must restore them.
          pool: "threads",
          isolate: false,
          include: ["**/src/**/*.test.ts"],
          exclude: [...ignored, ...systemTests],
          setupFiles: ["tools/src/test-unit-setup.ts"],
        },
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
