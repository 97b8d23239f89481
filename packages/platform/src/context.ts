import type { Logger } from "pino";

/**
 * What travels with one request through every layer: the id that ties its log lines together across services, the
 * instant by which the original caller wants an answer, and a logger bound to both.
 */
export interface RequestContext {
  readonly requestId: string;
  /** Absolute deadline; calls to other services must finish before it. Undefined means no deadline. */
  readonly deadline?: Date;
  readonly logger: Logger;
  /** The end user's access token as the caller forwarded it (ACCESS_TOKEN_KEY), not yet verified. */
  readonly accessToken?: string;
}

/** gRPC metadata key (and HTTP header) carrying the request id. */
export const REQUEST_ID_KEY = "x-request-id";
