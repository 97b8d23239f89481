/**
 * Loaded before a process's own modules: `node --import @polyscale/platform/telemetry <main.js>` (the Dockerfile, the
 * launcher and the test helpers start every process so). With tracing configured it registers the ESM loader hook the
 * instrumentations need (import-in-the-middle: ES modules are linked before any of their code runs, so patching after
 * the fact would miss them) and starts the SDK; otherwise it does nothing and loads nothing more.
 */
import { tracingEnabled } from "./tracing.js";

if (tracingEnabled()) {
  const { register } = await import("node:module");
  const { createAddHookMessageChannel } = await import("import-in-the-middle");
  // Only the modules an instrumentation asks for are wrapped, not every module the process loads.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);
  const { startTracing } = await import("./tracing.js");
  await startTracing();
  await waitForAllMessagesAcknowledged();
}
