import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Logger } from "@polyscale/platform";
import { bearerToken, type TokenVerifier, type Viewer } from "./auth.js";
import { createLoaders, type Loaders } from "./loaders.js";
import { bindServices, DownstreamCalls, type Services } from "./services.js";

/** Everything one HTTP request carries through GraphQL resolvers and REST handlers alike. */
export interface GatewayContext {
  readonly requestId: string;
  readonly logger: Logger;
  /** The service clients bound to this request's id and deadline, counting calls in `calls`. */
  readonly services: Services;
  readonly loaders: Loaders;
  readonly calls: DownstreamCalls;
  /** The end user's address, for login rate limiting. */
  readonly clientIp: string;
  /** The Idempotency-Key header, if sent. */
  readonly idempotencyKey?: string;
  /** The caller from the bearer token, verified on first use; undefined for anonymous callers. */
  viewer(): Promise<Viewer | undefined>;
}

export interface ContextDependencies {
  services: Services;
  verifier: TokenVerifier;
  logger: Logger;
  grpcDeadlineMs: number;
  trustProxy: boolean;
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** The caller's request id when it is a sane one, otherwise a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** The socket's address, or the first X-Forwarded-For hop when a trusted proxy sets it. */
export function clientIpOf(request: IncomingMessage, trustProxy: boolean): string {
  const forwarded = request.headers["x-forwarded-for"];
  if (trustProxy && typeof forwarded === "string") {
    const first = forwarded.split(",")[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? "";
}

export function createGatewayContext(
  request: IncomingMessage,
  requestId: string,
  dependencies: ContextDependencies,
): GatewayContext {
  const calls = new DownstreamCalls();
  const callContext = { requestId, deadline: new Date(Date.now() + dependencies.grpcDeadlineMs) };
  const services = bindServices(dependencies.services, callContext, calls);
  const idempotencyKey = request.headers["idempotency-key"];
  let viewer: Promise<Viewer | undefined> | undefined;
  // The logger and loaders are made on first use: many requests need neither, and every request pays for them.
  let logger: Logger | undefined;
  let loaders: Loaders | undefined;
  return {
    requestId,
    get logger() {
      return (logger ??= dependencies.logger.child({ requestId }));
    },
    services,
    get loaders() {
      return (loaders ??= createLoaders(services));
    },
    calls,
    clientIp: clientIpOf(request, dependencies.trustProxy),
    idempotencyKey: typeof idempotencyKey === "string" ? idempotencyKey : undefined,
    viewer() {
      viewer ??= (async () => {
        const token = bearerToken(request.headers.authorization);
        return token === undefined ? undefined : dependencies.verifier.verify(token, callContext);
      })();
      return viewer;
    },
  };
}
