/**
 * The container HEALTHCHECK: `node packages/platform/dist/healthcheck.js grpc 127.0.0.1:50051` asks a service's
 * standard gRPC health endpoint; `… http http://127.0.0.1:4000/healthz` asks the gateway. Exit 0 when healthy, 1 if
 * not. Built in, so images need no downloaded probe binary. The gRPC probe presents the process's own certificate
 * when GRPC_TLS_* are set, as the services require then.
 */
import { checkHealth } from "./grpc-client.js";

const [kind, target] = process.argv.slice(2);

async function healthy(): Promise<boolean> {
  if (kind === "grpc" && target) return checkHealth(target, 2000);
  if (kind === "http" && target) {
    const response = await fetch(target, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    return response?.ok ?? false;
  }
  console.error("usage: healthcheck grpc HOST:PORT | healthcheck http URL");
  return false;
}

process.exit(
  (await healthy().catch((error: unknown) => {
    console.error(`healthcheck: ${(error as Error).message}`);
    return false;
  }))
    ? 0
    : 1,
);
