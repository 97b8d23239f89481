// `npm start`'s build step: `npm run build` (generate, then `tsc -b`) only when an input changed since the last build
// this script ran. Even with nothing to do, those two cost seconds of every start (a second npm, then TypeScript
// reading every project); comparing modification times costs milliseconds. `npm start` preloads it in the launcher's
// own process (`node --import ./tools/build-if-stale.mjs tools/dist/start.js`: the launcher is loaded after it, so
// from a fresh build) rather than as a `prestart` script, which cost a Node.js start of its own. Inputs: each project's tsconfig.json,
// package.json and src/ tree (directories too, so a deleted file counts), the shared tsconfig files and the .proto
// contracts (not node_modules: after an upgrade, run `npm run build`). The stamp's time is when that build began, so an
// edit made while it ran still counts. When in doubt (no stamp, a project never built), it builds.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = path.join(root, "node_modules/.cache/polyscale/build-stamp");
const projects = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8")).references.map((ref) => ref.path);

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

function isStale() {
  if (!existsSync(stamp)) return true;
  if (projects.some((project) => !existsSync(path.join(root, project, "dist/.tsbuildinfo")))) return true;
  const inputs = [
    mtime("tsconfig.json"),
    mtime("tsconfig.base.json"),
    newest("proto/polyscale"),
    mtime("proto/buf.yaml"),
    mtime("proto/buf.gen.yaml"),
    ...projects.flatMap((project) => [
      mtime(path.join(project, "tsconfig.json")),
      mtime(path.join(project, "package.json")),
      newest(path.join(project, "src")),
    ]),
  ];
  return Math.max(...inputs) > statSync(stamp).mtimeMs;
}

if (isStale()) {
  const began = new Date();
  const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
  mkdirSync(path.dirname(stamp), { recursive: true });
  closeSync(openSync(stamp, "w"));
  utimesSync(stamp, began, began);
} else {
  console.log("build is up to date");
}
