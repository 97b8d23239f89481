import { createServer } from "node:net";

/** Whether nothing listens on host:port (checked by binding it for a moment). */
function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Refuses to start when another process already listens on one of the ports: otherwise its health check could answer
 * for a process of ours that is about to fail, and the launcher would report a system it did not start.
 *
 * @param ports what each port is for, e.g. { gateway: 4000 }
 * @throws Error naming every port in use and what it was for
 */
export async function assertPortsFree(ports: Record<string, number>, host = "127.0.0.1"): Promise<void> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (port !== 0 && !(await isFree(port, host))) taken.push(`${port} (${name})`);
  }
  if (taken.length > 0) {
    throw new Error(`port ${taken.join(", ")} already in use by another process; stop it or choose other ports`);
  }
}
