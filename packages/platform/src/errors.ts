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

/**
 * The stable, machine-readable reasons of errors, with what each means. Clients switch on `reason` (never on the
 * message): it travels across gRPC in trailing metadata, and reaches clients as GraphQL `extensions.reason` and REST
 * `error.reason`. The gateway's schema and OpenAPI document list these; add a reason here before throwing it.
 */
export const ERROR_REASONS = {
  // Input
  INVALID_INPUT: "A field of the request is malformed or out of range; `field` names it.",
  CURRENCY_UNKNOWN: "The currency is not an ISO 4217 code this shop accepts.",
  TOO_MANY_DECIMALS: "An amount has more decimals than its currency's minor unit allows.",
  LIMIT_EXCEEDED: "A price, stock level, quantity or total is beyond the shop's upper limit for it.",
  COUNTRY_UNKNOWN: "The country code is not an ISO 3166-1 alpha-2 code (e.g. XX, or UK for GB).",
  // Accounts and sessions
  EMAIL_TAKEN: "Another account already uses this email.",
  ACCOUNT_NOT_FOUND: "No account has this id.",
  INVALID_CREDENTIALS: "The email or password is wrong.",
  INVALID_REFRESH_TOKEN: "The refresh token is unknown, expired, used or revoked.",
  LOGIN_REQUIRED: "The operation needs an access token.",
  TOKEN_EXPIRED: "The access token has expired or its signing key was retired; refresh the session.",
  TOKEN_INVALID: "The access token or its Authorization header is malformed or not signed by us.",
  ADMIN_REQUIRED: "Only an admin may do this.",
  NOT_OWNER: "The caller may act only on its own account.",
  RATE_LIMITED: "Too many attempts; try again later.",
  TOO_MANY_ATTEMPTS:
    "Too many password attempts or expensive anonymous requests from this address (or for this email); wait the seconds the message says.",
  TOKEN_REVOKED: "The access token was revoked (logout, password or role change, disabled account); log in again.",
  ACCOUNT_DISABLED: "The account is disabled; it cannot log in or refresh.",
  EMAILED_TOKEN_INVALID: "The emailed link is unknown, used, expired or for an address the account no longer has.",
  INVALID_SIGNATURE: "A webhook's signature is missing or wrong.",
  ADDRESS_NOT_FOUND: "No address of the account's address book has this id.",
  ADDRESS_BOOK_FULL: "The address book already holds as many addresses as an account may; delete one first.",
  // Catalogue and stock
  PRODUCT_NOT_FOUND: "No product has this id.",
  PRODUCT_ARCHIVED: "The product is archived (off sale): it cannot be added to a cart or ordered until it is restored.",
  CATEGORY_NOT_FOUND: "No category has this id.",
  SLUG_TAKEN: "Another category already has this slug.",
  VARIANT_NOT_FOUND: "The product has no variant with this id.",
  SKU_TAKEN: "Another variant already has this SKU.",
  VARIANT_OPTIONS_TAKEN: "Another variant of the product already has these option values.",
  VARIANT_ARCHIVED: "The variant is archived (off sale): it cannot be added to a cart or ordered until it is restored.",
  LAST_VARIANT_ON_SALE: "The variant is its product's only one on sale; archive the product to take it off sale.",
  INSUFFICIENT_STOCK: "Not enough units in stock.",
  RESERVATION_NOT_FOUND: "The order has no stock reservation.",
  RESERVATION_CONFLICT: "The order already has a reservation with different lines.",
  RESERVATION_SETTLED: "The reservation was already committed or released.",
  // Carts, orders and payments
  CART_EMPTY: "Checkout of an empty cart.",
  CART_FULL: "The cart already holds as many lines (distinct variants) as an order may.",
  CART_NOT_FOUND:
    "No guest cart has this token: never issued, expired, or merged into an account's cart (at login or by mergeGuestCart).",
  GUEST_CHECKOUT_UNSUPPORTED:
    "A guest cart cannot be checked out: log in or register (the cart moves along), then check out.",
  CART_CHANGED: "The cart changed during checkout; review it and try again.",
  CURRENCY_MISMATCH: "All products of a cart or order, and its payments, must share one currency.",
  ORDER_TOO_LARGE: "An order may hold at most 100 distinct products.",
  ORDER_NOT_FOUND: "No order has this id.",
  ORDER_EXPIRED: "The order expired unpaid and its stock was released; a payment for it was not recorded.",
  TOO_MANY_UNPAID_ORDERS: "The account has as many unpaid orders as it may; pay or cancel one first.",
  HOLD_LIMIT_EXCEEDED: "The account would hold more units of a product in unpaid orders than it may.",
  ORDER_NOT_CANCELLABLE: "The order can no longer be cancelled.",
  ORDER_STATUS_CONFLICT: "The order's status does not allow this change.",
  ORDER_NOT_PAYABLE: "The order does not take a capture in its status.",
  ORDER_NOT_REFUNDABLE: "The order does not take a refund in its status.",
  CAPTURE_EXCEEDS_OUTSTANDING: "A capture beyond what the order still owes.",
  REFUND_EXCEEDS_CAPTURED: "A refund beyond what was captured and not yet refunded.",
  IDEMPOTENCY_KEY_REUSED: "The idempotency key was already used for a different request.",
  IDEMPOTENCY_IN_PROGRESS: "A request with this idempotency key is still being processed; retry.",
  PROVIDER_REFERENCE_REUSED: "The provider reference was already recorded for a different payment.",
  // Transport and infrastructure
  NOT_FOUND: "No such resource or route.",
  METHOD_NOT_ALLOWED: "The route exists but not for this HTTP method; see the Allow header.",
  PAYLOAD_TOO_LARGE: "The request body is larger than the gateway accepts.",
  HEADERS_TOO_LARGE: "The request line and headers are larger than the gateway accepts (16 KB).",
  UNSUPPORTED_MEDIA_TYPE: "The request body is not JSON.",
  INVALID_QUERY: "The GraphQL document does not parse or validate against the schema.",
  SERVICE_UNAVAILABLE: "A service this request needs is down or answered too late; the message names it.",
  INTERNAL: "An unexpected fault; it was logged.",
} as const;

export type ErrorReason = keyof typeof ERROR_REASONS;

/** The reason of an AppError made without one: the most general reason of its code. */
const defaultReasonOf: Record<ErrorCode, ErrorReason> = {
  INVALID_ARGUMENT: "INVALID_INPUT",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "INVALID_INPUT",
  FAILED_PRECONDITION: "INVALID_INPUT",
  UNAUTHENTICATED: "LOGIN_REQUIRED",
  PERMISSION_DENIED: "ADMIN_REQUIRED",
  RESOURCE_EXHAUSTED: "RATE_LIMITED",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  DEADLINE_EXCEEDED: "SERVICE_UNAVAILABLE",
  INTERNAL: "INTERNAL",
};

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
    /** The stable machine-readable reason (ERROR_REASONS). */
    readonly reason: ErrorReason = defaultReasonOf[code],
  ) {
    super(message);
  }
}

/** Bad input. The message always starts with the field name, e.g. "email: must be a valid email address". */
export function invalidArgument(field: string, problem: string, reason: ErrorReason = "INVALID_INPUT"): AppError {
  return new AppError("INVALID_ARGUMENT", `${field}: ${problem}`, field, reason);
}

export function notFound(reason: ErrorReason, message: string, field?: string): AppError {
  return new AppError("NOT_FOUND", message, field, reason);
}

export function alreadyExists(reason: ErrorReason, message: string, field?: string): AppError {
  return new AppError("ALREADY_EXISTS", message, field, reason);
}

export function failedPrecondition(reason: ErrorReason, message: string, field?: string): AppError {
  return new AppError("FAILED_PRECONDITION", message, field, reason);
}

export function unauthenticated(reason: ErrorReason, message: string): AppError {
  return new AppError("UNAUTHENTICATED", message, undefined, reason);
}

export function permissionDenied(reason: ErrorReason, message: string): AppError {
  return new AppError("PERMISSION_DENIED", message, undefined, reason);
}

export function resourceExhausted(reason: ErrorReason, message: string): AppError {
  return new AppError("RESOURCE_EXHAUSTED", message, undefined, reason);
}

/** A dependency is down: the message names it, e.g. "product service is unavailable". */
export function unavailable(message: string): AppError {
  return new AppError("UNAVAILABLE", message, undefined, "SERVICE_UNAVAILABLE");
}
