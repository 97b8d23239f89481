// `npm start`'s (and `npm run seed`'s, `npm run events:tail`'s) build step: when an input changed since the last time it ran (build-inputs.mjs
// compares modification times: milliseconds), it generates the contracts' code and transpiles the runtime projects
// into their dist/ with esbuild; otherwise it does nothing. It is preloaded in the launcher's own process
// (`node --import ./tools/build-if-stale.mjs tools/dist/start.js`: the launcher is loaded after it, so from a fresh
// build) rather than run as a `prestart` script, which cost a Node.js start of its own.
//
// Transpiling, not `npm run build`: on a fresh clone `tsc -b` type-checks every project and writes their declarations,
// about 30 s of CPU on 2 cores, where esbuild writes the same JavaScript in well under a second. Nothing `npm start`
// runs reads the declarations or needs the GraphQL resolver types (types only, erased), so neither is made here. Type
// errors are `npm run typecheck`'s and CI's to find (isolatedModules in tsconfig.base.json makes tsc refuse what a
// file-by-file transpiler would get wrong); `npm run build` stays the full build (images, tests, the benchmark), and
// its `tsc -b` rebuilds from scratch a project esbuild wrote (it has no .tsbuildinfo) or whose sources changed since.
// Not an input: node_modules (after an upgrade, run `npm run build`). The stamp's time is when that build began, so an
// edit made while it ran still counts. When in doubt (no stamp, a runtime project without dist/), it builds.
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, utimesSync } from "node:fs";
import path from "node:path";
import { compiledSources, isStale, root, runtimeProjects, stamp } from "./build-inputs.mjs";

if (isStale()) {
  const began = new Date();
  // All it says goes to stderr: stdout is the program's (`npm run --silent events:tail > events.log` holds events only).
  const generate = spawnSync(process.execPath, [path.join(root, "proto/generate.mjs")], { stdio: ["inherit", 2, 2] });
  if (generate.status !== 0) process.exit(generate.status ?? 1);
  const { build, stop } = await import("esbuild");
  try {
    await Promise.all(
      runtimeProjects.map((project) =>
        build({
          entryPoints: compiledSources(project),
          outbase: path.join(root, project, "src"),
          outdir: path.join(root, project, "dist"),
          tsconfig: path.join(root, project, "tsconfig.json"),
          // As tsc emits them (tsconfig.base.json): ES2022 modules beside their source maps, imports left to Node.
          format: "esm",
          platform: "node",
          target: "es2022",
          sourcemap: true,
          logLevel: "silent",
        }),
      ),
    );
  } catch (error) {
    // esbuild's own message lists each file, line and reason.
    console.error(`the build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  } finally {
    // esbuild builds in a child process that would otherwise live as long as the launcher (about 70 MB idle).
    await stop();
  }
  mkdirSync(path.dirname(stamp), { recursive: true });
  closeSync(openSync(stamp, "w"));
  utimesSync(stamp, began, began);
  console.error(`built ${runtimeProjects.length} projects in ${((Date.now() - began.getTime()) / 1000).toFixed(1)} s`);
} else {
  console.error("build is up to date");
}
