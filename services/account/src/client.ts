import { AccountServiceService } from "@polyscale/proto/account/v1/account";
import { createGrpcClient, notFound, type AppError, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/account/v1/account";

/** The typed client that the gateway and other services use to call the account service. */
export type AccountClient = GrpcClient<typeof AccountServiceService>;

export function createAccountClient(options: { address: string; deadlineMs: number }): AccountClient {
  return createGrpcClient(AccountServiceService, { name: "account service", ...options });
}

// The not-found errors of the account service's entities, defined here, by the service that owns the rows, and used
// by it, the order service and the gateway alike, so one entity is refused in one wording wherever it is missing:
// "<entity> <id> does not exist". `field` is the request field that held the id, in the caller's own contract.

/** NOT_FOUND ACCOUNT_NOT_FOUND: "account <id> does not exist", naming `field`. */
export function accountNotFound(id: string, field: string): AppError {
  return notFound("ACCOUNT_NOT_FOUND", `account ${id} does not exist`, field);
}

/**
 * NOT_FOUND ADDRESS_NOT_FOUND: "address <id> does not exist", naming `field`: the one answer for an address id that
 * does not exist and for another account's address, from the account service, the order service and the gateway
 * alike, so ids cannot be probed.
 */
export function addressNotFound(id: string, field: string): AppError {
  return notFound("ADDRESS_NOT_FOUND", `address ${id} does not exist`, field);
}
