import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The kernel's ephemeral port range (Linux: /proc/sys/net/ipv4/ip_local_port_range), from which it takes the local
 * port of every outgoing connection and of every listen on port 0; [32768, 60999] where that file cannot be read.
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // not Linux: the IANA dynamic range's usual Linux default
  }
  return [32768, 60999];
}

/** Ports this process handed out, never handed out twice. */
const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a process about to listen on it (tests and the benchmark
 * run side by side). It is taken at random below the kernel's ephemeral range (from 10000 up): a port from that range
 * (what listening on port 0 returns) can be taken, between the check and the listen, as the local port of any
 * outgoing connection on the machine, and a service then failed to start with EADDRINUSE.
 *
 * @throws Error when no port of the range was free after 200 tries
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow - 1);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the check, so concurrent calls cannot pick it too
    if (await isFree(port, "127.0.0.1")) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port between ${low} and ${high}`);
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
