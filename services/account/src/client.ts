import { AccountServiceService } from "@polyscale/proto/account/v1/account";
import { createGrpcClient, notFound, type AppError, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/account/v1/account";

/** The typed client that the gateway and other services use to call the account service. */
export type AccountClient = GrpcClient<typeof AccountServiceService>;

export function createAccountClient(options: { address: string; deadlineMs: number }): AccountClient {
  return createGrpcClient(AccountServiceService, { name: "account service", ...options });
}

/**
 * NOT_FOUND ADDRESS_NOT_FOUND naming `field`: the one answer for an address id that does not exist and for another
 * account's address, from the account service and the gateway alike, so ids cannot be probed.
 */
export function addressNotFound(field: string): AppError {
  return notFound("ADDRESS_NOT_FOUND", "address not found", field);
}
