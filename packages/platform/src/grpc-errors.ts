import { Metadata, status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { AppError, ERROR_REASONS, unavailable, type ErrorCode, type ErrorReason } from "./errors.js";

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

/** Metadata keys carrying the field at fault and the reason across a gRPC hop. */
const FIELD_METADATA_KEY = "polyscale-field";
const REASON_METADATA_KEY = "polyscale-reason";

/** Converts anything thrown by a handler into the status sent to the gRPC caller. */
export function toGrpcStatus(error: unknown): Partial<StatusObject> {
  if (!(error instanceof AppError)) {
    return { code: status.INTERNAL, details: "internal error" };
  }
  const metadata = new Metadata();
  if (error.field) metadata.set(FIELD_METADATA_KEY, error.field);
  metadata.set(REASON_METADATA_KEY, error.reason);
  return { code: grpcStatusOf[error.code], details: error.message, metadata };
}

const codeOfGrpcStatus = new Map<number, ErrorCode>(
  Object.entries(grpcStatusOf).map(([code, grpcStatus]) => [grpcStatus, code as ErrorCode]),
);

/**
 * Converts a failed gRPC call back into an AppError. Errors our servers raised carry their reason in metadata and
 * keep the server's code, message, field and reason, so an UNAVAILABLE from a service further down still names that
 * service. Transport failures get a message naming only the called service, because grpc-js puts internal addresses
 * into its own messages.
 */
export function fromGrpcError(error: ServiceError, serviceName: string): AppError {
  const reason = error.metadata?.get(REASON_METADATA_KEY)[0];
  const code = codeOfGrpcStatus.get(error.code);
  if (typeof reason === "string" && Object.hasOwn(ERROR_REASONS, reason) && code && code !== "INTERNAL") {
    const field = error.metadata.get(FIELD_METADATA_KEY)[0];
    return new AppError(code, error.details, typeof field === "string" ? field : undefined, reason as ErrorReason);
  }
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return unavailable(`${serviceName} is unavailable`);
    case status.DEADLINE_EXCEEDED:
      return new AppError(
        "DEADLINE_EXCEEDED",
        `${serviceName} did not answer in time`,
        undefined,
        "SERVICE_UNAVAILABLE",
      );
    case status.INTERNAL:
    case status.UNKNOWN:
    case status.UNIMPLEMENTED:
    case status.DATA_LOSS:
      return new AppError("INTERNAL", "internal error");
    // The statuses of a request's own fault keep their code (codeOfGrpcStatus), below.
    case status.OK:
    case status.INVALID_ARGUMENT:
    case status.NOT_FOUND:
    case status.ALREADY_EXISTS:
    case status.PERMISSION_DENIED:
    case status.RESOURCE_EXHAUSTED:
    case status.FAILED_PRECONDITION:
    case status.ABORTED:
    case status.OUT_OF_RANGE:
    case status.UNAUTHENTICATED:
      break;
  }
  const field = error.metadata?.get(FIELD_METADATA_KEY)[0];
  return new AppError(code ?? "INTERNAL", error.details, typeof field === "string" ? field : undefined);
}
