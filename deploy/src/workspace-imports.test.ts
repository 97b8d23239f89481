/**
 * Every workspace imports only what its package.json declares, so nothing resolves by luck of npm's hoisting (an
 * import that only worked because a neighbour installed the package breaks where the neighbour is absent, as in an
 * image). Production code imports its `dependencies`; tests, their helpers (`*.test.ts`, `test-*.ts`, `testing/`)
 * and build scripts (outside `src/`) may also import its `devDependencies` and the repository's: the root manifest's
 * devDependencies are the tooling every workspace's tests share (vitest, fast-check, and @polyscale/tools, whose
 * harness they start systems with). @polyscale/tools cannot be a devDependency of a workspace the images carry
 * (dockerfile.test.ts: npm would install the launcher's dependencies into them), so it is declared at the root.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "./test-repository-files.js";
import { filesBelow, importedPackages, readWorkspaces, type Manifest } from "./test-workspaces.js";

const { root, workspaces } = readWorkspaces();
const builtins = new Set(builtinModules);
/** Generated sources, never edited: what they import is the generator's (as in eslint.config.js's ignores). */
const generated = ["proto/src/gen/", "gateway/src/graphql/gen/"];

/** Code that only tests or the build run: tests, their helpers, and scripts beside src/ (generate.mjs, ...). */
function isDevelopmentCode(directory: string, file: string): boolean {
  return (
    !file.startsWith(`${directory}/src/`) ||
    /\.test\.ts$|(^|\/)test-[^/]*\.ts$|\/testing\//.test(file.slice(directory.length))
  );
}

/** The workspace's own source files (TypeScript and JavaScript), relative to the repository root. */
function sourceFiles(directory: string): string[] {
  return filesBelow(directory).filter(
    (file) =>
      /\.(ts|mts|js|mjs|cjs)$/.test(file) &&
      !file.endsWith(".d.ts") &&
      !/(^|\/)(node_modules|dist)\//.test(file) &&
      !generated.some((prefix) => file.startsWith(prefix)),
  );
}

/**
 * The imports of a workspace's files that its manifest does not declare, as `file: package`: production code may import
 * the workspace's dependencies, development code also its devDependencies and the root's (`rootDevelopment`).
 */
function undeclaredImports(
  workspace: { directory: string; manifest: Manifest },
  rootDevelopment: string[],
  files: Array<{ file: string; source: string }>,
): string[] {
  const { directory, manifest } = workspace;
  const production = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {})]);
  const development = new Set([...production, ...Object.keys(manifest.devDependencies ?? {}), ...rootDevelopment]);
  return files.flatMap(({ file, source }) => {
    const declared = isDevelopmentCode(directory, file) ? development : production;
    return importedPackages(source)
      .filter((name) => !name.startsWith("node:") && !builtins.has(name) && !declared.has(name))
      .map((name) => `${file}: ${name}`);
  });
}

describe("workspace imports", () => {
  it.each(workspaces)(
    "$directory imports only packages its manifest (or, in tests, the root's) declares",
    (workspace) => {
      const files = sourceFiles(workspace.directory).map((file) => ({
        file,
        source: readFileSync(path.join(repositoryRoot, file), "utf8"),
      }));
      expect(undeclaredImports(workspace, Object.keys(root.devDependencies ?? {}), files)).toEqual([]);
    },
  );

  // Seen (issue 16): the platform's test helpers imported @polyscale/tools, which no manifest declared; it resolved
  // only because npm links every workspace at the root.
  it("regression: refuses a package no manifest declares, and a test-only package in production code", () => {
    const platform = {
      directory: "packages/platform",
      manifest: { name: "@polyscale/platform", dependencies: { pg: "*" } },
    };
    const helper = {
      file: "packages/platform/src/testing/index.ts",
      source: `import { createScratchDatabase } from "@polyscale/tools/scratch-databases";\nimport pg from "pg";`,
    };
    const production = {
      file: "packages/platform/src/database.ts",
      source: `import { freePort } from "@polyscale/tools/ports";`,
    };
    const buildScript = { file: "packages/platform/generate.mjs", source: `import { build } from "esbuild";` };
    expect(undeclaredImports(platform, [], [helper])).toEqual([
      "packages/platform/src/testing/index.ts: @polyscale/tools",
    ]);
    expect(undeclaredImports(platform, ["@polyscale/tools", "esbuild"], [helper, production, buildScript])).toEqual([
      "packages/platform/src/database.ts: @polyscale/tools",
    ]);
    // Mentions of an import in strings and comments are not imports.
    const mention = {
      file: "packages/platform/src/text.ts",
      source: `// import x from "nope";\nconst s = 'from "nope"';`,
    };
    expect(undeclaredImports(platform, [], [mention])).toEqual([]);
  });
});
