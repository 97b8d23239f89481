/**
 * Nothing of the tests reaches dist/ (and so no image, which copies dist/): the build configs leave out `*.test.ts`,
 * `test-*.ts` and `testing/**`, and no compiled module imports a package that only tests install. Run after a build
 * (`npm test` builds first; the system tier runs it).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readRepositoryFile, repositoryRoot } from "./test-repository-files.js";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
  exports?: unknown;
}

const root = JSON.parse(readRepositoryFile("package.json")) as Manifest;
const workspaces = (root.workspaces ?? []).map((directory) => ({
  directory,
  manifest: JSON.parse(readRepositoryFile(`${directory}/package.json`)) as Manifest,
}));

/** Every file below directory, relative to the repository root. */
function filesBelow(directory: string): string[] {
  return readdirSync(path.join(repositoryRoot, directory), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(repositoryRoot, path.join(entry.parentPath, entry.name)));
}

/** The packages a compiled module imports (static and dynamic), by package name. */
function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'.][^"']*)["']/g)];
  return specifiers.map(([, specifier = ""]) =>
    specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!,
  );
}

describe("dist/", () => {
  it("holds no test, no test helper and no import of a package only tests install", () => {
    const testOnly = new Set(Object.keys(root.devDependencies ?? {}));
    // deploy/ holds only tests, so it compiles nothing; every package with exports must have been built.
    const built = workspaces.filter(({ directory }) => existsSync(path.join(repositoryRoot, directory, "dist")));
    expect(built.map(({ directory }) => directory)).toEqual(
      workspaces.filter(({ manifest }) => manifest.exports).map(({ directory }) => directory),
    );
    for (const { directory, manifest } of built) {
      const files = filesBelow(`${directory}/dist`);
      expect(
        files.filter((file) => /(\.test\.|\/test-[^/]*$|\/testing\/)/.test(file)),
        directory,
      ).toEqual([]);
      const forbidden = new Set([...testOnly, ...Object.keys(manifest.devDependencies ?? {})]);
      for (const dependency of Object.keys(manifest.dependencies ?? {})) forbidden.delete(dependency);
      for (const file of files.filter((name) => name.endsWith(".js"))) {
        const imports = importedPackages(readFileSync(path.join(repositoryRoot, file), "utf8"));
        expect(
          imports.filter((name) => forbidden.has(name)),
          file,
        ).toEqual([]);
      }
    }
  });
});
