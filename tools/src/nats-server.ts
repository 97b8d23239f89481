import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./ports.js";

/** A nats-server with JetStream that a test started, to stop, kill and restart at will. */
export interface TestNatsServer {
  /** nats://127.0.0.1:<port>; stays the same across restarts. */
  readonly url: string;
  /** SIGKILL, as a crash or a pulled cable would; the stored streams stay on disk. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  restart(): Promise<void>;
  /** Stops it and deletes its storage. */
  close(): Promise<void>;
}

/**
 * Starts `nats-server -js` on a free port with its own storage directory (the machine's shared server on 4222 must
 * not be killed by a test). Needs the nats-server binary (Debian package nats-server; .ci/run installs it).
 */
export async function startNatsServer(): Promise<TestNatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(tmpdir(), "polyscale-nats-"));
  let child: ChildProcess | undefined;
  let output = "";

  async function start(): Promise<void> {
    output = "";
    const started = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/usr/local/sbin` },
    });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-16_000));
    started.stdout.on("data", keep);
    started.stderr.on("data", keep);
    child = started;
    const giveUpAt = Date.now() + 15_000;
    while (!(await acceptsConnections(port))) {
      if (started.exitCode !== null || Date.now() > giveUpAt) {
        started.kill("SIGKILL");
        throw new Error(`nats-server did not start:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill(signal);
    await exited;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill: () => terminate("SIGKILL"),
    restart: start,
    async close() {
      await terminate("SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
