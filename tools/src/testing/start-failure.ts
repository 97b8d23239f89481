import { spawnSync } from "node:child_process";
import { expect } from "vitest";

/** What a process that was expected to refuse to start left behind. */
export interface FailedStart {
  /** Exit status; null when it had to be killed after the timeout. */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built entry point (e.g. a service's dist/main.js) with `env` as its whole environment and waits for it to
 * exit, at most 30 s. For start-ups that must fail before they listen or touch a database.
 */
export function runFailedStart(script: string, env: NodeJS.ProcessEnv): FailedStart {
  const result = spawnSync(process.execPath, [script], { env, encoding: "utf8", timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Asserts the shape every process of ours gives a start-up failure (platform exitOnStartFailure): exit status 1,
 * nothing on stdout, exactly one line on stderr matching `line`, and no stack trace.
 */
export function expectOneLineStartFailure(result: FailedStart, line: RegExp): void {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(line)]);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}
