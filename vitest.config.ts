import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/src/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // End-to-end suites start real processes and databases; allow for a slow, busy CI machine.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
