import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

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
    include: ["**/src/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // End-to-end suites start real processes and databases; allow for a slow, busy CI machine.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
    // One embedded PostgreSQL for the whole run, unless TEST_DATABASE_URL names a server.
    globalSetup: ["tools/src/test-global-setup.ts"],
  },
});
