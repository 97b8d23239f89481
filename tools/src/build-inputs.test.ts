import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { compiledSources, generatorScripts, isStale, root, runtimeProjects } from "../build-inputs.mjs";

describe("npm start's build check", () => {
  const restore: (() => void)[] = [];
  afterEach(() => restore.splice(0).forEach((undo) => undo()));

  /** A stamp dated now, as if a build had just finished. */
  function freshStamp(): string {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "stamp-")), "build-stamp");
    closeSync(openSync(file, "w"));
    return file;
  }

  /** Dates `file` (relative to the root) in the future for the rest of the test. */
  function touchLater(file: string): void {
    const absolute = path.join(root, file);
    const before = statSync(absolute);
    const later = new Date(Date.now() + 60_000);
    utimesSync(absolute, later, later);
    restore.push(() => utimesSync(absolute, before.atime, before.mtime));
  }

  it("finds both code generators in the build script", () => {
    expect(generatorScripts()).toEqual(expect.arrayContaining(["proto/generate.mjs", "gateway/generate.mjs"]));
  });

  // Regression: an edit to a generator alone (proto/generate.mjs, gateway/generate.mjs) did not rebuild, so npm start
  // ran stale generated code.
  it.each(["proto/generate.mjs", "gateway/generate.mjs", "package.json", "gateway/src/graphql/schema.graphql"])(
    "builds again after %s changes",
    (file) => {
      const stamp = freshStamp();
      utimesSync(stamp, new Date(Date.now() + 30_000), new Date(Date.now() + 30_000));
      expect(isStale(stamp)).toBe(false);
      touchLater(file);
      expect(isStale(stamp)).toBe(true);
    },
  );

  // Regression: deploy/ kept a project that, with tests left out of the build, compiled nothing and so never wrote its
  // build info; every npm start then rebuilt everything. `npm test` builds first, so a fresh stamp must be enough.
  it("sees a fresh build as up to date", () => {
    expect(isStale(freshStamp())).toBe(false);
  });

  // Regression: the generators' output (proto/src/gen, written after the stamp's time) counted as an input, so the start
  // after a fresh clone's first built everything again.
  it.each(["proto/src/gen", "gateway/src/graphql/gen"])(
    "takes what the generators wrote in %s for output",
    (folder) => {
      const stamp = freshStamp();
      const generated = readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true }).find((entry) =>
        entry.isFile(),
      );
      if (!generated) throw new Error(`${folder} is empty: the build did not run`);
      touchLater(path.relative(root, path.join(generated.parentPath, generated.name)));
      expect(isStale(stamp)).toBe(false);
    },
  );

  // Regression: `npm run events:tail` ran `npm run build` (generate, then tsc -b: tens of seconds on a fresh clone)
  // before a program that starts in a second. Every script that runs one of tools' programs builds as npm start does.
  it("runs each of tools' programs after the build check npm start uses, never the full build", () => {
    const scripts = (
      JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const programs = Object.entries(scripts).filter(([, command]) => /\btools\/dist\/\S+\.js\b/.test(command));
    expect(programs.map(([name]) => name)).toEqual(expect.arrayContaining(["start", "seed", "events:tail"]));
    for (const [name, command] of programs) {
      expect(command, name).toMatch(/^node (--\S+ )*--import \.\/tools\/build-if-stale\.mjs tools\/dist\/\S+\.js\b/);
      expect(command, name).not.toMatch(/npm run build|tsc -b/);
    }
  });

  it("builds when there is no stamp", () => {
    expect(isStale(path.join(tmpdir(), "no-such-stamp"))).toBe(true);
  });

  // npm start transpiles with esbuild the files it lists; the images and CI compile what tsc finds. Both must agree, or
  // a file left out by one runs in development only, or in production only.
  it.each(runtimeProjects)("transpiles in %s exactly the files tsc compiles", (project) => {
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(root, project, "tsconfig.json"),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
        },
      },
    );
    // Declarations (e.g. gateway's negotiator.d.ts) are read by tsc and compile to nothing.
    const compiled = config!.fileNames.filter((file) => !file.endsWith(".d.ts")).map((file) => path.resolve(file));
    expect(compiledSources(project).sort()).toEqual(compiled.sort());
  });
});
