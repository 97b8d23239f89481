import { requireId, type Queryable } from "@polyscale/platform";
import { accountNotFound } from "./client.js";
import type { Account } from "./model.js";
import * as repository from "./repository.js";

/**
 * The account with this id: INVALID_ARGUMENT on a malformed id, ACCOUNT_NOT_FOUND without one, both naming `field`,
 * the contract field the id came in (`accountId` unless the request calls it otherwise, as GetAccount's `id`).
 */
export async function requireAccount(db: Queryable, id: string, field = "accountId"): Promise<Account> {
  const account = await repository.findAccount(db, requireId(field, id));
  if (!account) throw accountNotFound(id, field);
  return account;
}
