// Which files a build reads, and whether one changed since the last build (see build-if-stale.mjs).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
/** The file whose modification time is when the last build began. */
export const stamp = path.join(root, "node_modules/.cache/polyscale/build-stamp");
const projects = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8")).references.map((ref) => ref.path);
/**
 * The projects whose code `npm start` and `npm run seed` run (relative to the root): every project of tsconfig.json
 * but the benchmark, which `npm run bench` builds with `npm run build`.
 */
export const runtimeProjects = projects.filter((project) => project !== "bench");

/**
 * The code generators `npm run build` runs before `tsc -b` (every `node <file>.mjs` in its script), as paths relative
 * to the repository root: editing one changes the generated code, so each is a build input.
 */
export function generatorScripts() {
  const build = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts.build;
  return [...build.matchAll(/node (\S+\.mjs)/g)].map((match) => match[1]);
}

/**
 * The TypeScript files a project compiles into dist/, as absolute paths: every `.ts` under its src/ but declarations,
 * tests and their helpers, as each project's tsconfig.json excludes them (`*.test.ts`, `test-*.ts`, `testing/`
 * folders; build-inputs.test.ts holds the two lists equal).
 */
export function compiledSources(project) {
  const walk = (directory) =>
    readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const file = path.join(directory, entry.name);
      if (entry.isDirectory()) return entry.name === "testing" ? [] : walk(file);
      const compiled =
        entry.name.endsWith(".ts") &&
        !entry.name.endsWith(".d.ts") &&
        !entry.name.endsWith(".test.ts") &&
        !entry.name.startsWith("test-");
      return compiled ? [file] : [];
    });
  return walk(path.join(root, project, "src"));
}

/** Modification time in ms; a missing input counts as changed. */
const mtime = (file) => (existsSync(path.join(root, file)) ? statSync(path.join(root, file)).mtimeMs : Infinity);

/**
 * What the generators write inside src/: their output, not an input (their inputs are counted). Counted, it was newer
 * than the stamp of the build that wrote it, so the start after a fresh clone's first built everything again.
 */
const generated = new Set([path.join("proto", "src", "gen"), path.join("gateway", "src", "graphql", "gen")]);

/**
 * The newest modification time of the files under a directory, generated code left out. Not of the directories
 * themselves: the generators replace their folders (proto/src changes when proto/src/gen is made again), and a file
 * removed alone changes no output that anything still imports.
 */
function newest(directory) {
  let latest = 0;
  for (const entry of readdirSync(path.join(root, directory), { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    if (generated.has(child)) continue;
    latest = Math.max(latest, entry.isDirectory() ? newest(child) : mtime(child));
  }
  return latest;
}

/**
 * True when `npm start` must build: no stamp at `stampFile`, a runtime project without dist/, or any input (tsconfig
 * and package files, each runtime project's src/ tree, the .proto contracts, the generator scripts) modified after the
 * stamp.
 */
export function isStale(stampFile = stamp) {
  if (!existsSync(stampFile)) return true;
  if (runtimeProjects.some((project) => !existsSync(path.join(root, project, "dist")))) return true;
  const inputs = [
    mtime("tsconfig.json"),
    mtime("tsconfig.base.json"),
    mtime("package.json"),
    newest("proto/polyscale"),
    mtime("proto/buf.yaml"),
    mtime("proto/buf.gen.yaml"),
    ...generatorScripts().map(mtime),
    ...runtimeProjects.flatMap((project) => [
      mtime(path.join(project, "tsconfig.json")),
      mtime(path.join(project, "package.json")),
      newest(path.join(project, "src")),
    ]),
  ];
  return Math.max(...inputs) > statSync(stampFile).mtimeMs;
}
