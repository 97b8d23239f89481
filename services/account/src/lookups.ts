import { requireId, type Queryable } from "@polyscale/platform";
import { accountNotFound } from "./client.js";
import type { Account } from "./model.js";
import * as repository from "./repository.js";

/** The account with this id (INVALID_ARGUMENT on a malformed id, ACCOUNT_NOT_FOUND without one; both name "id"). */
export async function requireAccount(db: Queryable, id: string): Promise<Account> {
  const account = await repository.findAccount(db, requireId("id", id));
  if (!account) throw accountNotFound(id, "id");
  return account;
}
