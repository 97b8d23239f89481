import { Metadata, status, type ServiceError, type StatusObject } from "@grpc/grpc-js";

/** The error codes a caller can act on. They map one to one onto gRPC status codes. */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "DEADLINE_EXCEEDED"
  | "INTERNAL";

const grpcStatusOf: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
};

/** Metadata key carrying the name of the offending field across a gRPC hop. */
const FIELD_METADATA_KEY = "polyscale-field";

/**
 * An expected failure with a message that is safe to show to the caller. Anything thrown that is not an AppError is
 * a bug or an infrastructure fault: it is logged and reaches the caller only as a generic INTERNAL error.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, in camelCase as in the contracts, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Bad input. The message always starts with the field name, e.g. "email: must be a valid email address". */
export function invalidArgument(field: string, problem: string): AppError {
  return new AppError("INVALID_ARGUMENT", `${field}: ${problem}`, field);
}

export function notFound(message: string, field?: string): AppError {
  return new AppError("NOT_FOUND", message, field);
}

export function alreadyExists(message: string, field?: string): AppError {
  return new AppError("ALREADY_EXISTS", message, field);
}

export function failedPrecondition(message: string, field?: string): AppError {
  return new AppError("FAILED_PRECONDITION", message, field);
}

export function unauthenticated(message: string): AppError {
  return new AppError("UNAUTHENTICATED", message);
}

export function permissionDenied(message: string): AppError {
  return new AppError("PERMISSION_DENIED", message);
}

export function resourceExhausted(message: string): AppError {
  return new AppError("RESOURCE_EXHAUSTED", message);
}

export function unavailable(message: string): AppError {
  return new AppError("UNAVAILABLE", message);
}

/** Converts anything thrown by a handler into the status sent to the gRPC caller. */
export function toGrpcStatus(error: unknown): Partial<StatusObject> {
  if (!(error instanceof AppError)) {
    return { code: status.INTERNAL, details: "internal error" };
  }
  const metadata = new Metadata();
  if (error.field) metadata.set(FIELD_METADATA_KEY, error.field);
  return { code: grpcStatusOf[error.code], details: error.message, metadata };
}

const codeOfGrpcStatus = new Map<number, ErrorCode>(
  Object.entries(grpcStatusOf).map(([code, grpcStatus]) => [grpcStatus, code as ErrorCode]),
);

/**
 * Converts a failed gRPC call back into an AppError. Domain errors keep the server's message; transport failures get
 * a message naming only the service, because grpc-js puts internal addresses into its own messages.
 */
export function fromGrpcError(error: ServiceError, serviceName: string): AppError {
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return new AppError("UNAVAILABLE", `${serviceName} is unavailable`);
    case status.DEADLINE_EXCEEDED:
      return new AppError("DEADLINE_EXCEEDED", `${serviceName} did not answer in time`);
    case status.INTERNAL:
    case status.UNKNOWN:
    case status.UNIMPLEMENTED:
    case status.DATA_LOSS:
      return new AppError("INTERNAL", "internal error");
  }
  const code = codeOfGrpcStatus.get(error.code) ?? "INTERNAL";
  const field = error.metadata?.get(FIELD_METADATA_KEY)[0];
  return new AppError(code, error.details, typeof field === "string" ? field : undefined);
}

/** What may be logged about an unexpected error: its kind and message, never a stack, query text or parameters. */
export function describeError(error: unknown): { type: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { type: error.constructor.name, message: error.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return { type: typeof error, message: String(error) };
}

/** True for a PostgreSQL unique violation, optionally on one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === "23505" && (constraint === undefined || pgError.constraint === constraint);
}
