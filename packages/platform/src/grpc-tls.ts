import { credentials, ServerCredentials, type ChannelCredentials } from "@grpc/grpc-js";
import { accessSync, constants, readFileSync } from "node:fs";
import { ConfigError } from "./config.js";

/** The files of one process's service identity: PEM paths of the CA every service trusts, its certificate and key. */
export interface GrpcTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** How this process talks gRPC: mutual TLS with one CA, or plaintext (development only). */
export interface GrpcTransport {
  readonly mutualTls: boolean;
  server(): ServerCredentials;
  client(): ChannelCredentials;
}

export const GRPC_TLS_VARIABLES = ["GRPC_TLS_CA", "GRPC_TLS_CERT", "GRPC_TLS_KEY"] as const;

/**
 * The one problem with the gRPC TLS settings of an environment, or undefined: all three or none must be set, and
 * NODE_ENV=production requires them, so no process without the service credentials can call a service there.
 */
export function grpcTlsProblem(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = GRPC_TLS_VARIABLES.filter((variable) => environment[variable]);
  if (set.length === 0 && environment.NODE_ENV === "production") {
    return `${GRPC_TLS_VARIABLES.join(", ")}: mutual TLS between services is required with NODE_ENV=production (set the CA, certificate and key file paths)`;
  }
  if (set.length > 0 && set.length < GRPC_TLS_VARIABLES.length) {
    return `${GRPC_TLS_VARIABLES.join(", ")}: set all three or none (got only ${set.join(", ")})`;
  }
  return undefined;
}

/**
 * Every problem with the gRPC TLS settings of an environment (none: empty): grpcTlsProblem's, or else each file that
 * cannot be read, named by its variable. readConfig reports these with the other settings, so a process refuses to
 * start before it opens a database or a port.
 */
export function grpcTlsProblems(environment: NodeJS.ProcessEnv = process.env): string[] {
  const problem = grpcTlsProblem(environment);
  if (problem) return [problem];
  return GRPC_TLS_VARIABLES.flatMap((variable) => {
    const file = environment[variable];
    if (!file) return [];
    try {
      accessSync(file, constants.R_OK);
      return [];
    } catch {
      return [`${variable}: cannot read ${file}`];
    }
  });
}

/**
 * Mutual TLS from the given PEM files: the server asks every caller for a certificate signed by the CA
 * (checkClientCertificate) and a client presents its own and checks the server's against the same CA and the name it
 * dials (so certificates carry the service's DNS name and, for the health probe, 127.0.0.1). Without files,
 * plaintext, so grpcurl -plaintext works in development. Throws when a file cannot be read.
 */
export function grpcTransportFrom(files: GrpcTlsFiles | undefined): GrpcTransport {
  if (!files) {
    return {
      mutualTls: false,
      server: () => ServerCredentials.createInsecure(),
      client: () => credentials.createInsecure(),
    };
  }
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch {
      throw new ConfigError([`${variable}: cannot read ${file}`]);
    }
  };
  const ca = read("GRPC_TLS_CA", files.ca);
  const cert = read("GRPC_TLS_CERT", files.cert);
  const key = read("GRPC_TLS_KEY", files.key);
  return {
    mutualTls: true,
    server: () => ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], true),
    client: () => credentials.createSsl(ca, key, cert),
  };
}

let fromEnvironment: GrpcTransport | undefined;

/**
 * This process's transport from GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY (file paths), read once. Throws a
 * ConfigError naming the variables when they are incomplete, or missing with NODE_ENV=production.
 */
export function grpcTransport(): GrpcTransport {
  if (fromEnvironment) return fromEnvironment;
  const problem = grpcTlsProblem(process.env);
  if (problem) throw new ConfigError([problem]);
  const { GRPC_TLS_CA: ca, GRPC_TLS_CERT: cert, GRPC_TLS_KEY: key } = process.env;
  fromEnvironment = grpcTransportFrom(ca && cert && key ? { ca, cert, key } : undefined);
  return fromEnvironment;
}
