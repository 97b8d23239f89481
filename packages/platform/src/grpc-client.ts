import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ClientReadableStream,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { ACCESS_TOKEN_KEY } from "./access-token.js";
import { REQUEST_ID_KEY } from "./context.js";
import { fromGrpcError } from "./grpc-errors.js";
import { grpcTransport, type GrpcTransport } from "./grpc-tls.js";
import type { RequestOf, ResponseOf } from "./grpc-binding.js";

/** What a caller passes along: its request id and its own deadline, which outgoing calls must not outlive. */
export interface CallContext {
  readonly requestId?: string;
  readonly deadline?: Date;
  /** The end user's verified access token, forwarded so the service can check who it acts for (ACCESS_TOKEN_KEY). */
  accessToken?: string;
}

/**
 * A client with one method per method of a generated service definition: unary methods return a promise, server
 * streams grpc-js's readable stream (no deadline: streams are long-lived; cancel() ends one; failures arrive as
 * 'error' events with a grpc-js status, see fromGrpcError).
 */
export type GrpcClient<Definition> = {
  [Method in keyof Definition]: Definition[Method] extends { responseStream: true }
    ? (
        request: RequestOf<Definition[Method]>,
        context?: CallContext,
      ) => ClientReadableStream<ResponseOf<Definition[Method]>>
    : (request: RequestOf<Definition[Method]>, context?: CallContext) => Promise<ResponseOf<Definition[Method]>>;
} & {
  close(): void;
  /**
   * Whether calls through this client's own channel would reach the service now: waits up to timeoutMs for the channel
   * to connect (connecting it if idle; a channel backing off after a failure waits for its next attempt), then asks
   * the standard health service over it. Never throws; false when not SERVING by then.
   */
  isReady(timeoutMs: number): Promise<boolean>;
};

export interface GrpcClientOptions {
  /** Human-readable name used in error messages, e.g. "product service". */
  name: string;
  /** host:port */
  address: string;
  /** Deadline of a call whose context has none, or a later one. */
  deadlineMs: number;
  /** Mutual TLS or plaintext; by default from GRPC_TLS_* (see grpcTransport). */
  transport?: GrpcTransport;
}

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** Share of the caller's remaining time kept back on an outgoing call, up to DEADLINE_MARGIN_MAX_MS. */
const DEADLINE_MARGIN_SHARE = 0.1;
const DEADLINE_MARGIN_MAX_MS = 250;

/**
 * The deadline of a call made on behalf of a caller whose own deadline is callerDeadline (epoch ms): a little sooner,
 * so that when a service further along hangs, this one still answers its caller in time, with an error that names the
 * service that hung rather than the caller's own timeout.
 */
function forwardedDeadline(callerDeadline: number): number {
  const remaining = Math.max(0, callerDeadline - Date.now());
  return callerDeadline - Math.min(DEADLINE_MARGIN_MAX_MS, remaining * DEADLINE_MARGIN_SHARE);
}

/**
 * Creates a typed client over one long-lived channel. Every call carries the request id and a deadline: the caller's
 * own (less a small margin, forwardedDeadline) when it has one that is sooner, so a chain of services never works past
 * what the first caller waits for.
 * Failures arrive as AppErrors; an unreachable service fails fast with UNAVAILABLE rather than waiting.
 */
export function createGrpcClient<Definition extends ServiceDefinition>(
  definition: Definition,
  options: GrpcClientOptions,
): GrpcClient<Definition> {
  const Constructor = makeGenericClientConstructor(definition, options.name);
  const channel = new Constructor(options.address, (options.transport ?? grpcTransport()).client(), {
    // grpc-js backs off up to 2 minutes between reconnects by default; a restarted neighbour on the same network
    // should be called again within a second.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 1000,
    // Spread calls over every address the name resolves to (the pods behind a headless Kubernetes Service), rather
    // than pinning this caller to the first one for the channel's life.
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  }) as Client & Record<string, UnaryMethod>;
  // The address and credentials are unused: the health client calls over the channel above.
  const health = new HealthConstructor(options.address, credentials.createInsecure(), {
    channelOverride: channel.getChannel(),
  }) as unknown as HealthClient;
  const client: Record<string, unknown> = {
    close: () => channel.close(),
    isReady: (timeoutMs: number) => channelReady(channel, health, timeoutMs),
  };
  for (const method of Object.keys(definition)) {
    if (definition[method]!.responseStream) {
      const stream = channel[method]!.bind(channel) as unknown as (request: unknown, metadata: Metadata) => unknown;
      client[method] = (request: unknown, context: CallContext = {}) => {
        return stream(request, metadataOf(context));
      };
      continue;
    }
    const call = channel[method]!.bind(channel);
    client[method] = (request: unknown, context: CallContext = {}) =>
      new Promise((resolve, reject) => {
        const metadata = metadataOf(context);
        const ownDeadline = Date.now() + options.deadlineMs;
        const deadline = new Date(
          Math.min(ownDeadline, context.deadline ? forwardedDeadline(context.deadline.getTime()) : ownDeadline),
        );
        call(request, metadata, { deadline }, (error, response) =>
          error ? reject(fromGrpcError(error, options.name)) : resolve(response),
        );
      });
  }
  return client as GrpcClient<Definition>;
}

function metadataOf(context: CallContext): Metadata {
  const metadata = new Metadata();
  if (context.requestId) metadata.set(REQUEST_ID_KEY, context.requestId);
  // Sent as given, even empty: the service refuses a blank token rather than taking the call for an internal one.
  if (context.accessToken !== undefined) metadata.set(ACCESS_TOKEN_KEY, context.accessToken);
  return metadata;
}

type HealthResponse = { status: string | number };
type HealthClient = Client & {
  check(
    request: { service: string },
    options: { deadline: Date },
    callback: (error: ServiceError | null, response?: HealthResponse) => void,
  ): void;
};

const HealthConstructor = makeGenericClientConstructor(healthService, "grpc.health.v1.Health");

function askHealth(client: HealthClient, deadline: Date, serviceName = ""): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    client.check({ service: serviceName }, { deadline }, (error, response) =>
      resolve(!error && (response?.status === "SERVING" || response?.status === 1)),
    );
  });
}

/**
 * A separate health check (checkHealth) opens a channel of its own, which can be ready while the client's channel is
 * still waiting out a reconnect backoff and failing every call with UNAVAILABLE; this one asks over the client's.
 */
async function channelReady(channel: Client, health: HealthClient, timeoutMs: number): Promise<boolean> {
  const deadline = new Date(Date.now() + timeoutMs);
  const connected = await new Promise<boolean>((resolve) => channel.waitForReady(deadline, (error) => resolve(!error)));
  return connected && askHealth(health, deadline);
}

/**
 * Asks a server's standard health service whether it is SERVING, over this process's transport (mutual TLS when
 * GRPC_TLS_* are set). Never throws for an unhealthy server; a transport that cannot be built throws its ConfigError.
 */
export async function checkHealth(
  address: string,
  timeoutMs = 1000,
  serviceName = "",
  transport: GrpcTransport = grpcTransport(),
): Promise<boolean> {
  const client = new HealthConstructor(address, transport.client()) as unknown as HealthClient;
  try {
    return await askHealth(client, new Date(Date.now() + timeoutMs), serviceName);
  } finally {
    client.close();
  }
}
