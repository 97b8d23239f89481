// `npm start`'s build step: `npm run build` (generate, then `tsc -b`) only when an input changed since the last build
// this script ran. Even with nothing to do, those two cost seconds of every start (a second npm, then TypeScript
// reading every project); comparing modification times (build-inputs.mjs) costs milliseconds. `npm start` preloads it
// in the launcher's own process (`node --import ./tools/build-if-stale.mjs tools/dist/start.js`: the launcher is
// loaded after it, so from a fresh build) rather than as a `prestart` script, which cost a Node.js start of its own.
// Not an input: node_modules (after an upgrade, run `npm run build`). The stamp's time is when that build began, so an
// edit made while it ran still counts. When in doubt (no stamp, a project never built), it builds.
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, utimesSync } from "node:fs";
import path from "node:path";
import { isStale, root, stamp } from "./build-inputs.mjs";

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
