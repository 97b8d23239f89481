import { notFound, requireId, type AppError, type Queryable } from "@polyscale/platform";
import type { Account } from "./model.js";
import * as repository from "./repository.js";

/** NOT_FOUND ACCOUNT_NOT_FOUND, naming the request field that held the account's id. */
export function accountNotFound(field: string): AppError {
  return notFound("ACCOUNT_NOT_FOUND", "account not found", field);
}

/** The account with this id (INVALID_ARGUMENT on a malformed id, ACCOUNT_NOT_FOUND without one; both name "id"). */
export async function requireAccount(db: Queryable, id: string): Promise<Account> {
  const account = await repository.findAccount(db, requireId("id", id));
  if (!account) throw accountNotFound("id");
  return account;
}
