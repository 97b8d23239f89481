import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commandAvailable, repositoryRoot } from "./deployment-files.js";

const alertRules = path.join(repositoryRoot, "deploy", "prometheus", "alerts.yml");

describe("Prometheus alert rules", () => {
  it.runIf(commandAvailable("promtool", ["--version"]))("pass promtool check rules", () => {
    const result = spawnSync("promtool", ["check", "rules", alertRules], { encoding: "utf8" });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
