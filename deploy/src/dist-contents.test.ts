/**
 * Nothing of the tests reaches dist/ (and so no image, which copies dist/): the build configs leave out `*.test.ts`,
 * `test-*.ts` and `testing/**`, and no compiled module imports a package that only tests install. And the workspaces
 * the images carry compile only what production runs: every module of their dist/ is loaded by a process the images
 * start or a command they hold, so nothing the tests or the benchmark alone use (the search relevance suite once was
 * a product export) ships. Run after a build (`npm test` builds first; the system tier runs it).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { instructionArguments, readDockerfileStages, repositoryRoot } from "./test-repository-files.js";
import { filesBelow, importedPackages, importSpecifiers, readWorkspaces } from "./test-workspaces.js";

const { root, workspaces } = readWorkspaces();

/** The file an export condition map resolves to at run time (its `default`), relative to the package. */
function runtimeTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (typeof target === "object" && target !== null) return runtimeTarget((target as Record<string, unknown>).default);
  return undefined;
}

/** The workspaces the images copy (the build stage's loop over them), e.g. services/product. */
function imageWorkspaces(): string[] {
  const build = readDockerfileStages().find((stage) => stage.name === "build")!;
  const loop = instructionArguments(build, "RUN").join(" ");
  return /for workspace in ([^;]+);/.exec(loop)![1]!.trim().split(/\s+/);
}

/**
 * What the images run: each target's CMD and HEALTHCHECK (a script path or an `--import` package), the commands the
 * launcher runs against the same builds by path (tools/src, e.g. the product seed), and the commands that run
 * themselves when started by path (`import.meta.url === pathToFileURL(process.argv[1])`, e.g. the product reindex).
 */
function productionEntryPoints(compiled: string[], packageFile: (specifier: string) => string | undefined): string[] {
  const stages = readDockerfileStages();
  const commandText = [
    ...stages.flatMap((stage) => [
      ...instructionArguments(stage, "CMD"),
      ...instructionArguments(stage, "HEALTHCHECK"),
    ]),
    ...filesBelow("tools/src")
      .filter((file) => file.endsWith(".ts") && !/(\.test\.ts|\/test-[^/]*)$/.test(file))
      .map((file) => readFileSync(path.join(repositoryRoot, file), "utf8")),
  ].join("\n");
  const scripts = [...commandText.matchAll(/[\w/.-]+\/dist\/[\w/.-]+\.js/g)].map(([script]) => script);
  const imports = [...commandText.matchAll(/--import["',\s]+(@polyscale\/[\w/-]+)/g)].map(([, name]) =>
    packageFile(name!),
  );
  const selfRunning = compiled.filter((file) =>
    readFileSync(path.join(repositoryRoot, file), "utf8").includes("import.meta.url === pathToFileURL(process.argv[1]"),
  );
  return [...new Set([...scripts, ...imports, ...selfRunning])].filter(
    (file): file is string => file !== undefined && existsSync(path.join(repositoryRoot, file)),
  );
}

/** A compiled module without code: one of types only (model.ts), which tsc leaves as `export {};`. */
function hasNoCode(source: string): boolean {
  return (
    source
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "")
      .replace("export {};", "")
      .trim() === ""
  );
}

describe("dist/", () => {
  it("of the workspaces the images carry holds only modules that production loads", () => {
    // Package specifiers to the compiled file they load, through each manifest's exports ("./*" patterns too).
    const exportsOf = workspaces.flatMap(({ directory, manifest }) =>
      Object.entries((manifest.exports ?? {}) as Record<string, unknown>).map(([subpath, target]) => ({
        specifier: path.posix.join(manifest.name, subpath),
        file: path.posix.join(directory, runtimeTarget(target) ?? ""),
      })),
    );
    const packageFile = (specifier: string) => {
      for (const entry of exportsOf) {
        const [prefix = "", suffix] = entry.specifier.split("*");
        if (suffix === undefined ? specifier === prefix : specifier.startsWith(prefix)) {
          return entry.file.replace("*", specifier.slice(prefix.length));
        }
      }
      return undefined;
    };
    const compiled = imageWorkspaces().flatMap((directory) =>
      existsSync(path.join(repositoryRoot, directory, "dist"))
        ? filesBelow(`${directory}/dist`).filter((file) => file.endsWith(".js"))
        : [],
    );
    const entryPoints = productionEntryPoints(compiled, packageFile);
    expect(entryPoints).toEqual(expect.arrayContaining(["services/product/dist/main.js", "gateway/dist/main.js"]));
    const loaded = new Set<string>();
    const pending = [...entryPoints];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (loaded.has(file)) continue;
      loaded.add(file);
      for (const specifier of importSpecifiers(readFileSync(path.join(repositoryRoot, file), "utf8"))) {
        const target = specifier.startsWith(".")
          ? path.posix.join(path.posix.dirname(file), specifier)
          : packageFile(specifier);
        if (target?.endsWith(".js") && existsSync(path.join(repositoryRoot, target))) pending.push(target);
      }
    }
    const unused = compiled.filter(
      (file) => !loaded.has(file) && !hasNoCode(readFileSync(path.join(repositoryRoot, file), "utf8")),
    );
    expect(unused).toEqual([]);
  });

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
