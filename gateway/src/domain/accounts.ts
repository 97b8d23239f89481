import { requireId, type Page } from "@polyscale/platform";
import { accountNotFound, Role, type Account } from "@polyscale/account";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { isAdmin, requireAccountAccess, requireAdmin, requireViewer } from "./authorization.js";

/** Admins only: the role changes and the account's access tokens are revoked. */
export async function setAccountRole(context: GatewayContext, input: { id: string; role: Role }): Promise<Account> {
  requireAdmin(await context.viewer());
  const response = await context.services.account.setRole({ accountId: requireId("id", input.id), role: input.role });
  return present(response.account, "account");
}

/** Admins only: disabling ends every session of the account. */
export async function setAccountDisabled(
  context: GatewayContext,
  input: { id: string; disabled: boolean },
): Promise<Account> {
  requireAdmin(await context.viewer());
  const response = await context.services.account.setDisabled({
    accountId: requireId("id", input.id),
    disabled: input.disabled,
  });
  return present(response.account, "account");
}

/** The caller's own account; undefined for anonymous callers. */
export async function me(context: GatewayContext): Promise<Account | undefined> {
  const viewer = await context.viewer();
  return viewer ? context.loaders.accountById.load(viewer.accountId) : undefined;
}

/** The caller's own account, for skins without a null answer (REST): UNAUTHENTICATED for anonymous callers. */
export async function myAccount(context: GatewayContext): Promise<Account> {
  return getAccount(context, requireViewer(await context.viewer()).accountId);
}

export async function updateProfile(
  context: GatewayContext,
  input: { name?: string; email?: string },
): Promise<Account> {
  const viewer = requireViewer(await context.viewer());
  const response = await context.services.account.updateProfile({ accountId: viewer.accountId, ...input });
  return present(response.account, "account");
}

export async function createAccount(
  context: GatewayContext,
  input: { name: string; email?: string; password?: string; role?: Role },
): Promise<Account> {
  requireAdmin(await context.viewer());
  const response = await context.services.account.createAccount({
    name: input.name,
    email: input.email ?? "",
    password: input.password ?? "",
    role: input.role ?? Role.ROLE_UNSPECIFIED,
  });
  return present(response.account, "account");
}

/** One account: its holder or an admin. NOT_FOUND when there is none. */
export async function getAccount(context: GatewayContext, id: string): Promise<Account> {
  requireAccountAccess(await context.viewer(), requireId("id", id));
  const account = await context.loaders.accountById.load(id);
  if (!account) throw accountNotFound(id, "id");
  return account;
}

/**
 * Accounts newest first for an admin; a customer sees only their own account. With an id, that account as a list of
 * one (empty when it does not exist); a customer asking for someone else's is FORBIDDEN.
 */
export async function listAccounts(context: GatewayContext, page: Page, id?: string): Promise<Account[]> {
  const viewer = requireViewer(await context.viewer());
  if (id !== undefined) {
    requireAccountAccess(viewer, requireId("id", id));
    const account = await context.loaders.accountById.load(id);
    return account ? [account] : [];
  }
  if (!isAdmin(viewer)) {
    const own = await context.loaders.accountById.load(viewer.accountId);
    return own ? [own].slice(page.skip, page.skip + page.take) : [];
  }
  const accounts = (await context.services.account.listAccounts({ ...page, email: "" })).accounts;
  for (const account of accounts) context.loaders.accountById.prime(account.id, account);
  return accounts;
}
