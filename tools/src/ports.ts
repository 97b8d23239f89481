import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (tests and the benchmark run side by side). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A free port for each name, e.g. freePorts(["gateway", "account"]) → { gateway: 41235, account: 41236 }. */
export async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  const ports = await Promise.all(names.map(() => freePort()));
  return Object.fromEntries(names.map((name, index) => [name, ports[index]!])) as Record<Name, number>;
}

/** Whether nothing listens on host:port (checked by binding it for a moment). */
function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * The one line that says which ports are taken and which settings choose others, e.g.
 * "port 25432 (EMBEDDED_DATABASE_PORT) already in use by another process: stop it, or set EMBEDDED_DATABASE_PORT to a
 * free port".
 *
 * @param taken each taken port by the environment variable that sets it
 */
export function portsInUseMessage(taken: Record<string, number>): string {
  const variables = Object.keys(taken);
  const ports = Object.entries(taken).map(([variable, port]) => `${port} (${variable})`);
  return `port ${ports.join(", ")} already in use by another process: stop it, or set ${variables.join(", ")} to a free port`;
}

/**
 * Refuses to start when another process already listens on one of the ports: otherwise its health check could answer
 * for a process of ours that is about to fail, and the launcher would report a system it did not start.
 *
 * @param ports each port by the environment variable that sets it, e.g. { GATEWAY_PORT: 4000 }; 0 (any) is skipped
 * @throws Error whose message is portsInUseMessage of every port in use
 */
export async function assertPortsFree(ports: Record<string, number>, host = "127.0.0.1"): Promise<void> {
  const taken: Record<string, number> = {};
  for (const [variable, port] of Object.entries(ports)) {
    if (port !== 0 && !(await isFree(port, host))) taken[variable] = port;
  }
  if (Object.keys(taken).length > 0) throw new Error(portsInUseMessage(taken));
}
