/**
 * Running a gRPC server: the services' bindings (grpc-binding.ts) beside the standard health and reflection services,
 * bound with mutual TLS or plaintext, and a graceful shutdown.
 */
import { Server } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import type { Logger } from "pino";
import type { ServiceBinding } from "./grpc-binding.js";
import { grpcTransport, type GrpcTransport } from "./grpc-tls.js";

export interface GrpcServerOptions {
  /** Fully qualified service name, e.g. polyscale.account.v1.AccountService: its health status is reported. */
  serviceName: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The .proto file served by reflection, relative to protoRoot. */
  protoFile: string;
  protoRoot: string;
  bindings: ServiceBinding[];
  logger: Logger;
  /** Mutual TLS or plaintext; by default from GRPC_TLS_* (see grpcTransport). */
  transport?: GrpcTransport;
}

export interface RunningGrpcServer {
  /** The port actually bound. */
  readonly port: number;
  /** Reports NOT_SERVING, stops accepting calls, waits for in-flight ones (up to timeoutMs), then closes. */
  shutdown(timeoutMs: number): Promise<void>;
}

/**
 * Starts a gRPC server that, besides the given services, always answers the standard grpc.health.v1 health protocol
 * (for load balancers, Kubernetes and our launcher) and server reflection (so grpcurl works without .proto files).
 * With mutual TLS configured, callers without a certificate from the services' CA are refused at the handshake.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server();
  for (const binding of options.bindings) server.addService(binding.definition, binding.implementation);

  const health = new HealthImplementation({ "": "SERVING", [options.serviceName]: "SERVING" });
  health.addToServer(server);

  const packageDefinition = protoLoader.loadSync([options.protoFile, healthProtoPath], {
    includeDirs: [options.protoRoot],
  });
  new ReflectionService(packageDefinition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${options.host}:${options.port}`,
      (options.transport ?? grpcTransport()).server(),
      (error, boundPort) => (error ? reject(error) : resolve(boundPort)),
    );
  });

  return {
    port,
    async shutdown(timeoutMs) {
      health.setStatus("", "NOT_SERVING");
      health.setStatus(options.serviceName, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const binding of options.bindings) binding.endStreams();
      });
    },
  };
}
