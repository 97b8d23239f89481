// Which files a build reads, and whether one changed since the last build (see build-if-stale.mjs).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
/** The file whose modification time is when the last build began. */
export const stamp = path.join(root, "node_modules/.cache/polyscale/build-stamp");
const projects = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8")).references.map((ref) => ref.path);

/**
 * The code generators `npm run build` runs before `tsc -b` (every `node <file>.mjs` in its script), as paths relative
 * to the repository root: editing one changes the generated code, so each is a build input.
 */
export function generatorScripts() {
  const build = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts.build;
  return [...build.matchAll(/node (\S+\.mjs)/g)].map((match) => match[1]);
}

/** Modification time in ms; a missing input counts as changed. */
const mtime = (file) => (existsSync(path.join(root, file)) ? statSync(path.join(root, file)).mtimeMs : Infinity);

/** The newest modification time of a directory, its files and its subdirectories. */
function newest(directory) {
  let latest = mtime(directory);
  for (const entry of readdirSync(path.join(root, directory), { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(child) : mtime(child));
  }
  return latest;
}

/**
 * True when a build is needed: no stamp at `stampFile`, a project never built, or any input (tsconfig and package
 * files, each project's src/ tree, the .proto contracts, the generator scripts) modified after the stamp.
 */
export function isStale(stampFile = stamp) {
  if (!existsSync(stampFile)) return true;
  if (projects.some((project) => !existsSync(path.join(root, project, "dist/.tsbuildinfo")))) return true;
  const inputs = [
    mtime("tsconfig.json"),
    mtime("tsconfig.base.json"),
    mtime("package.json"),
    newest("proto/polyscale"),
    mtime("proto/buf.yaml"),
    mtime("proto/buf.gen.yaml"),
    ...generatorScripts().map(mtime),
    ...projects.flatMap((project) => [
      mtime(path.join(project, "tsconfig.json")),
      mtime(path.join(project, "package.json")),
      newest(path.join(project, "src")),
    ]),
  ];
  return Math.max(...inputs) > statSync(stampFile).mtimeMs;
}
