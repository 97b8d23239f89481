import { createRequire } from "node:module";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * The two tiers. `npm run test:unit` runs the `unit` project: no processes, no databases, seconds. `npm test` runs
 * both projects, each file once. The name decides the tier: a test that starts processes is `*.e2e.test.ts` (or
 * `*.browser.test.ts`, `*.live.test.ts`), one that needs a database but starts nothing is `*.db.test.ts`; only the two
 * checks of what the build wrote are listed by name. A storage test put in the unit
 * tier by mistake fails there at once: the unit project starts no PostgreSQL, so TEST_DATABASE_URL is unset, and one
 * that starts a process fails there too (tools/src/test-unit-setup.ts).
 *
 * The unit tier needs no build: it loads every workspace package from its TypeScript sources through the
 * `@polyscale/source` export condition (Node and tsc ignore it, so production and the system tier load dist/).
 */
const systemTests = [
  "**/src/**/*.e2e.test.ts",
  "**/src/**/*.db.test.ts",
  "**/src/**/*.browser.test.ts",
  "**/src/**/*.live.test.ts",
  // Check what the build wrote, so they run where the build runs first.
  "deploy/src/dist-contents.test.ts",
  "tools/src/build-inputs.test.ts",
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
