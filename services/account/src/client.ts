import { AccountServiceService } from "@polyscale/proto/account/v1/account";
import { createGrpcClient, type GrpcClient } from "@polyscale/platform";

export * from "@polyscale/proto/account/v1/account";

/** The typed client that the gateway and other services use to call the account service. */
export type AccountClient = GrpcClient<typeof AccountServiceService>;

export function createAccountClient(options: { address: string; deadlineMs: number }): AccountClient {
  return createGrpcClient(AccountServiceService, { name: "account service", ...options });
}
