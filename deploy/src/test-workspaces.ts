/**
 * Reads the workspaces (their manifests, files and imports) for the checks of what each workspace may import and
 * ship (workspace-imports.test, dist-contents.test, dockerfile.test).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { readRepositoryFile, repositoryRoot } from "./test-repository-files.js";

/** The fields of a package.json these tests read. */
export interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
  exports?: unknown;
}

/** The root manifest and every workspace's (directory relative to the repository root, e.g. services/product). */
export function readWorkspaces(): { root: Manifest; workspaces: Array<{ directory: string; manifest: Manifest }> } {
  const root = JSON.parse(readRepositoryFile("package.json")) as Manifest;
  const workspaces = (root.workspaces ?? []).map((directory) => ({
    directory,
    manifest: JSON.parse(readRepositoryFile(`${directory}/package.json`)) as Manifest,
  }));
  return { root, workspaces };
}

/** Every file below directory, relative to the repository root. */
export function filesBelow(directory: string): string[] {
  return readdirSync(path.join(repositoryRoot, directory), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(repositoryRoot, path.join(entry.parentPath, entry.name)));
}

/**
 * What a module imports (static, dynamic, re-exports and require), as written: relative paths and package specifiers.
 * Read by TypeScript's import scanner, which serves compiled JavaScript and TypeScript sources alike and, unlike a
 * pattern, skips strings and comments that merely mention an import.
 */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map(({ fileName }) => fileName);
}

/** The packages a module imports (static and dynamic), by package name (`@scope/name` or `name`). */
export function importedPackages(source: string): string[] {
  return importSpecifiers(source)
    .filter((specifier) => !specifier.startsWith("."))
    .map((specifier) =>
      specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!,
    );
}
