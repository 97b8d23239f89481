import { AppError, type ErrorCode, type ErrorReason } from "@polyscale/platform";

/**
 * The codes clients of the gateway see, in GraphQL `extensions.code` and in REST `error.code`, with their HTTP status.
 * ALREADY_EXISTS and FAILED_PRECONDITION both become CONFLICT (409): either way the request clashes with the current
 * state (email taken, stock short, order not cancellable) and the message says which. DEADLINE_EXCEEDED becomes
 * UNAVAILABLE: to a client, a service that answers too late is one that is not there.
 */
export type PublicErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "HEADERS_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_REQUESTS"
  | "UNAVAILABLE"
  | "INTERNAL";

const publicCodeOf: Record<ErrorCode, PublicErrorCode> = {
  INVALID_ARGUMENT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  PERMISSION_DENIED: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "CONFLICT",
  FAILED_PRECONDITION: "CONFLICT",
  RESOURCE_EXHAUSTED: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "UNAVAILABLE",
  DEADLINE_EXCEEDED: "UNAVAILABLE",
  INTERNAL: "INTERNAL",
};

export const httpStatusOf: Record<PublicErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface PublicError {
  code: PublicErrorCode;
  message: string;
  /** The stable machine-readable reason (ERROR_REASONS in @polyscale/platform); clients switch on it. */
  reason: ErrorReason;
  /** The input field at fault, camelCase, for BAD_USER_INPUT (and any other error that names one). */
  field?: string;
  /** For TOO_MANY_REQUESTS: whole seconds until a retry may succeed (also REST's Retry-After header). */
  retryAfterSeconds?: number;
}

/** A refusal that ends after a known wait: RESOURCE_EXHAUSTED with the seconds to wait, at least 1 (RFC 9110 Retry-After). */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(reason: ErrorReason, retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const wait = seconds === 1 ? "1 second" : `${seconds} seconds`;
    super("RESOURCE_EXHAUSTED", `too many attempts; try again in ${wait}`, undefined, reason);
    this.retryAfterSeconds = seconds;
  }
}

const INTERNAL_ERROR: PublicError = { code: "INTERNAL", message: "internal error", reason: "INTERNAL" };

/** What a client may learn about an error: AppErrors keep code, message, reason and field; anything else is INTERNAL. */
export function publicErrorOf(error: unknown): PublicError {
  if (!(error instanceof AppError)) return INTERNAL_ERROR;
  const code = publicCodeOf[error.code];
  if (code === "INTERNAL") return INTERNAL_ERROR;
  const { message, reason, field } = error;
  return {
    code,
    message,
    reason,
    ...(field ? { field } : {}),
    ...(error instanceof RateLimitedError ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  };
}
