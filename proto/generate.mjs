// `npm run generate`: TypeScript from the .proto contracts (buf + ts-proto, see buf.gen.yaml), only when an input
// changed since the last run, so that an up-to-date tree is left untouched and `tsc -b` then has nothing to rebuild.
// The inputs: every .proto file, buf.gen.yaml, buf.yaml and the ts-proto version; their digest is kept in src/gen.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const digestFile = path.join(root, "src/gen/.inputs-digest");

function protoFiles(directory) {
  return readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(directory, entry.name);
      if (entry.isDirectory()) return protoFiles(file);
      return entry.name.endsWith(".proto") ? [file] : [];
    })
    .sort();
}

const hash = createHash("sha256");
const tsProto = JSON.parse(readFileSync(path.join(root, "../node_modules/ts-proto/package.json"), "utf8"));
hash.update(`ts-proto ${tsProto.version}\0`);
for (const file of [
  path.join(root, "buf.gen.yaml"),
  path.join(root, "buf.yaml"),
  ...protoFiles(path.join(root, "polyscale")),
]) {
  hash
    .update(`${path.relative(root, file)}\0`)
    .update(readFileSync(file))
    .update("\0");
}
const digest = hash.digest("hex");

if (existsSync(digestFile) && readFileSync(digestFile, "utf8") === digest) {
  console.log("generated code is up to date");
} else {
  rmSync(path.join(root, "src/gen"), { recursive: true, force: true });
  // buf from this project's node_modules, so that `node proto/generate.mjs` works outside npm scripts too.
  const buf = path.join(root, "../node_modules/.bin/buf");
  const result = spawnSync(existsSync(buf) ? buf : "buf", ["generate"], { cwd: root, stdio: "inherit" });
  if (result.error) console.error(`buf generate could not run: ${result.error.message} (run npm ci first)`);
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(digestFile, digest);
}
