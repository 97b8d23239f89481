// Setup file of the vitest `unit` project (vitest.config.ts): that tier starts no processes, so every way of starting
// one fails the test that tries, with a message pointing at the system tier, instead of slowing the tier down quietly.
// Replaced on the CommonJS module object and then synced into the ES module bindings, so named imports
// (`import { execFileSync } from "node:child_process"`) get the stub too.
import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";

const starters = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;

for (const name of starters) {
  Object.assign(childProcess, {
    [name]: () => {
      throw new Error(
        `child_process.${name}: the unit tier starts no processes; name the test *.e2e.test.ts (system tier)`,
      );
    },
  });
}
syncBuiltinESMExports();
