import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import type { CallContext, Logger } from "@polyscale/platform";
import { bearerToken, type TokenVerifier, type Viewer } from "./auth.js";
import type { TrustProxy } from "./config.js";
import { createLoaders, type Loaders } from "./loaders.js";
import type { Throttle } from "./throttle.js";
import { bindServices, DownstreamCalls, type Services } from "./services.js";

/** Everything one HTTP request carries through GraphQL resolvers and REST handlers alike. */
export interface GatewayContext {
  readonly requestId: string;
  readonly logger: Logger;
  /** The service clients bound to this request's id and deadline, counting calls in `calls`. */
  readonly services: Services;
  readonly loaders: Loaders;
  readonly calls: DownstreamCalls;
  /** The end user's address (the right-most untrusted hop), for throttling. */
  readonly clientIp: string;
  readonly throttle: Throttle;
  /** ISO 4217 code of decimal amounts sent without a currency (DEFAULT_CURRENCY). */
  readonly defaultCurrency: string;
  /** The Idempotency-Key header, if sent. */
  readonly idempotencyKey?: string;
  /** The X-Cart-Token header, if sent: a guest cart's token (README, "Guest carts"). */
  readonly cartToken?: string;
  /** The caller from the bearer token, verified on first use; undefined for anonymous callers. */
  viewer(): Promise<Viewer | undefined>;
}

export interface ContextDependencies {
  services: Services;
  verifier: TokenVerifier;
  logger: Logger;
  grpcDeadlineMs: number;
  defaultCurrency: string;
  trustProxy: TrustProxy;
  throttle: Throttle;
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** The caller's request id when it is a sane one, otherwise a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * The client's address: walking from the socket's peer back through X-Forwarded-For (right to left), the first
 * address that is not a trusted proxy. Entries left of it are whatever the client wrote, so they never count.
 */
export function clientIpOf(request: IncomingMessage, trustProxy: TrustProxy): string {
  return proxyaddr(request, trustProxy) ?? "";
}

export function createGatewayContext(
  request: IncomingMessage,
  requestId: string,
  dependencies: ContextDependencies,
): GatewayContext {
  const calls = new DownstreamCalls();
  const callContext: CallContext = { requestId, deadline: new Date(Date.now() + dependencies.grpcDeadlineMs) };
  const services = bindServices({ services: dependencies.services, context: callContext, calls });
  const idempotencyKey = request.headers["idempotency-key"];
  const cartToken = request.headers["x-cart-token"];
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
    throttle: dependencies.throttle,
    defaultCurrency: dependencies.defaultCurrency,
    idempotencyKey: typeof idempotencyKey === "string" ? idempotencyKey : undefined,
    cartToken: typeof cartToken === "string" ? cartToken : undefined,
    viewer() {
      viewer ??= (async () => {
        const token = bearerToken(request.headers.authorization);
        if (token === undefined) return undefined;
        const verified = await dependencies.verifier.verify(token, callContext);
        // From here on every service call of this request carries the caller's identity (defence in depth).
        callContext.accessToken = token;
        return verified;
      })();
      return viewer;
    },
  };
}
