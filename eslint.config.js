// Type-aware linting (typescript-eslint's type-checked rules): promises that are never awaited or are passed where a
// callback is expected, and switches that miss a case, are bugs the compiler alone does not catch.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "proto/src/gen/**",
      "gateway/src/graphql/gen/**",
      "**/*.js",
      "!eslint.config.js",
      "**/*.cjs",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // The build configs leave tests out; tsconfig.test.json holds them (and the vitest config).
      parserOptions: {
        project: ["./*/tsconfig.json", "./*/*/tsconfig.json", "./tsconfig.test.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      // `const { omitted, ...rest } = object` is how a copy leaves keys out.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  // The Node scripts in plain JavaScript (code generation, the build check, the OpenAPI linter, this file): the same
  // rules without type information, which they have none of.
  {
    files: ["**/*.mjs", "eslint.config.js"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } },
  },
);
