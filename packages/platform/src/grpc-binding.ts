/**
 * Serving a service's methods on grpc-js: bindService adapts one async handler per method (a call's context, text
 * cleaning, undecodable requests, errors as gRPC statuses, metrics, server streams ended on shutdown) into the
 * ServiceBinding that startGrpcServer (grpc-server.ts) adds to its server.
 */
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { ACCESS_TOKEN_KEY } from "./access-token.js";
import { REQUEST_ID_KEY, type RequestContext } from "./context.js";
import { describeError } from "./error-description.js";
import { AppError, invalidArgument, unavailable } from "./errors.js";
import { toGrpcStatus } from "./grpc-errors.js";
import { cleanTextDeep } from "./text.js";
import { recordGrpcCall } from "./metrics.js";

/** The request type of a generated method definition. */
export type RequestOf<Method> = Method extends { requestDeserialize: (bytes: Buffer) => infer Request }
  ? Request
  : never;
/** The response type of a generated method definition. */
export type ResponseOf<Method> = Method extends { responseSerialize: (value: infer Response) => Buffer }
  ? Response
  : never;

/** Where a server-streaming handler sends its messages; `signal` aborts when the caller goes away. */
export interface ResponseStream<Response> {
  send(response: Response): void;
  readonly signal: AbortSignal;
}

/**
 * One async function per method of a generated service definition, taking the request and its context. A unary
 * method returns its response; a server-streaming one sends messages on its stream and resolves when it is done.
 */
export type Handlers<Definition> = {
  [Method in keyof Definition]: Definition[Method] extends { responseStream: true }
    ? (
        request: RequestOf<Definition[Method]>,
        context: RequestContext,
        stream: ResponseStream<ResponseOf<Definition[Method]>>,
      ) => Promise<void>
    : (request: RequestOf<Definition[Method]>, context: RequestContext) => Promise<ResponseOf<Definition[Method]>>;
};

export interface ServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /**
   * Ends every open server stream with UNAVAILABLE (reason SERVICE_UNAVAILABLE): called on shutdown, since a stream
   * never finishes by itself and would hold the server until its timeout; callers reconnect to another replica.
   */
  endStreams(): void;
}

const MAX_REQUEST_ID_LENGTH = 128;

/**
 * What a request that does not decode becomes. grpc-js answers a throwing deserialiser with INTERNAL; the bytes are the
 * caller's fault, so the method wrapper answers INVALID_ARGUMENT instead.
 */
const UNDECODABLE = Symbol("undecodable request");

function undecodableError(): AppError {
  return invalidArgument("request", "is not a valid protobuf message for this method");
}

/** The definition with each request deserialiser turning a decoding failure into UNDECODABLE. */
function tolerantDefinition<Definition extends ServiceDefinition>(definition: Definition): Definition {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          const request: unknown = method.requestDeserialize(bytes);
          return request;
        } catch {
          return UNDECODABLE;
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as Definition;
}

function contextOf(
  call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
  logger: Logger,
  method: string,
): RequestContext {
  const incoming = call.metadata.get(REQUEST_ID_KEY)[0];
  const requestId =
    typeof incoming === "string" && incoming.length > 0 && incoming.length <= MAX_REQUEST_ID_LENGTH
      ? incoming
      : randomUUID();
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  // Made on first use: most calls log nothing, and a child logger per call is a measurable share of a cheap call.
  let callLogger: Logger | undefined;
  const accessToken = call.metadata.get(ACCESS_TOKEN_KEY)[0];
  return {
    requestId,
    deadline: Number.isFinite(deadlineMs) ? new Date(deadlineMs) : undefined,
    // Only an absent header makes an internal call; an empty one is a token (that CallerCheck refuses).
    accessToken: typeof accessToken === "string" ? accessToken : undefined,
    get logger() {
      return (callLogger ??= logger.child({ requestId, method }));
    },
  };
}

/**
 * Adapts async handlers to grpc-js: builds each call's context, and turns what a handler throws into a gRPC status.
 * AppErrors keep their code and message; anything else is logged and answered as a bare INTERNAL error. Every answer
 * is counted and timed (grpc_server_handled_total, grpc_server_handling_seconds).
 */
export function bindService<Definition extends ServiceDefinition>(
  definition: Definition,
  handlers: Handlers<Definition>,
  logger: Logger,
): ServiceBinding {
  const implementation: UntypedServiceImplementation = {};
  const openStreams = new Set<() => void>();
  const debug = logger.isLevelEnabled("debug");
  for (const method of Object.keys(definition) as (keyof Definition & string)[]) {
    if (definition[method]!.responseStream) {
      implementation[method] = streamingImplementation(
        handlers[method] as StreamingHandler,
        logger,
        method,
        openStreams,
      );
      continue;
    }
    const handler = handlers[method] as (request: unknown, context: RequestContext) => Promise<unknown>;
    const path = definition[method]!.path;
    implementation[method] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      if (call.request === UNDECODABLE) return callback(toGrpcStatus(undecodableError()));
      const context = contextOf(call, logger, method);
      const started = performance.now();
      // Text is checked and NFC-normalised here, once for every method (cleanTextDeep); a refusal is INVALID_ARGUMENT.
      new Promise((resolve) => resolve(handler(cleanTextDeep(call.request), context))).then(
        (response) => {
          if (debug) context.logger.debug({ ms: Math.round(performance.now() - started) }, "call succeeded");
          recordGrpcCall(path, status.OK, (performance.now() - started) / 1000);
          callback(null, response);
        },
        (error: unknown) => {
          if (error instanceof AppError) {
            if (debug) {
              context.logger.debug({ code: error.code, ms: Math.round(performance.now() - started) }, error.message);
            }
          } else {
            context.logger.error({ err: describeError(error) }, "call failed unexpectedly");
          }
          const answer = toGrpcStatus(error);
          recordGrpcCall(path, answer.code ?? status.UNKNOWN, (performance.now() - started) / 1000);
          callback(answer);
        },
      );
    };
  }
  return {
    definition: tolerantDefinition(definition),
    implementation,
    endStreams: () => [...openStreams].forEach((end) => end()),
  };
}

type StreamingHandler = (request: unknown, context: RequestContext, stream: ResponseStream<unknown>) => Promise<void>;

/**
 * A server-streaming method: the handler runs until it resolves, the caller cancels or the server shuts down (the
 * stream is registered in `open` meanwhile); errors end the stream.
 */
function streamingImplementation(handler: StreamingHandler, logger: Logger, method: string, open: Set<() => void>) {
  return (call: ServerWritableStream<unknown, unknown>) => {
    if (call.request === UNDECODABLE) {
      call.emit("error", toGrpcStatus(undecodableError()));
      return;
    }
    const context = contextOf(call, logger, method);
    const cancelled = new AbortController();
    const endOnShutdown = () => {
      if (cancelled.signal.aborted) return;
      cancelled.abort();
      call.emit("error", toGrpcStatus(unavailable("the service is shutting down; reconnect")));
    };
    open.add(endOnShutdown);
    cancelled.signal.addEventListener("abort", () => open.delete(endOnShutdown));
    call.once("cancelled", () => cancelled.abort());
    call.once("close", () => cancelled.abort());
    const stream: ResponseStream<unknown> = {
      send: (response) => {
        if (!cancelled.signal.aborted) call.write(response);
      },
      signal: cancelled.signal,
    };
    handler(call.request, context, stream).then(
      () => {
        if (!cancelled.signal.aborted) call.end();
      },
      (error: unknown) => {
        if (!(error instanceof AppError)) context.logger.error({ err: describeError(error) }, "stream failed");
        if (!cancelled.signal.aborted) call.emit("error", toGrpcStatus(error));
      },
    );
  };
}
