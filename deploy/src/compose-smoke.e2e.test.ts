import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repositoryRoot } from "./test-repository-files.js";

describe("scripts/compose-smoke.sh", () => {
  // A `docker` whose engine never answers, as on a CI runner without one.
  const bin = mkdtempSync(path.join(tmpdir(), "polyscale-no-docker-"));
  writeFileSync(path.join(bin, "docker"), "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n");
  chmodSync(path.join(bin, "docker"), 0o755);
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it("skips with exit 0 and says so when there is no Docker engine", () => {
    const result = spawnSync("bash", [path.join(repositoryRoot, "scripts/compose-smoke.sh")], {
      env: { ...process.env, SMOKE_GATEWAY_URL: "", PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("skipped: no Docker engine (docker info failed)\n");
  });
});
