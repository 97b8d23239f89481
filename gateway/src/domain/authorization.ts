import { permissionDenied, unauthenticated, type AppError } from "@polyscale/platform";
import type { Viewer } from "../auth.js";
import type { GatewayContext } from "../context.js";

/**
 * Who may do what, for GraphQL and REST alike. Anonymous callers may register, log in, refresh and read the catalog;
 * customers act on their own account, cart and orders; admins may do everything. Each rule throws UNAUTHENTICATED
 * without a viewer and PERMISSION_DENIED (FORBIDDEN) for a viewer who lacks the right, except for a thing read by id
 * (requireOwnerOf), which is NOT_FOUND to anyone who may not see it.
 */

export function requireViewer(viewer: Viewer | undefined): Viewer {
  if (!viewer) throw unauthenticated("LOGIN_REQUIRED", "log in first: this operation needs an access token");
  return viewer;
}

export function requireAdmin(viewer: Viewer | undefined): Viewer {
  const known = requireViewer(viewer);
  if (known.role !== "admin") throw permissionDenied("ADMIN_REQUIRED", "only an admin may do this");
  return known;
}

/** The account's own holder or an admin: reading an account, its cart and orders, ordering for it. */
export function requireAccountAccess(viewer: Viewer | undefined, accountId: string): Viewer {
  const known = requireViewer(viewer);
  if (known.role !== "admin" && known.accountId !== accountId) {
    throw permissionDenied("NOT_OWNER", "you may only act on your own account");
  }
  return known;
}

/**
 * A thing held by an account (an order, an address) read by id: its holder or an admin. Anyone else gets `unknown()`,
 * the NOT_FOUND an id that does not exist gets, so someone else's ids cannot be told from unknown ones (OWASP API1,
 * broken object level authorization). UNAUTHENTICATED without a viewer.
 */
export function requireOwnerOf(viewer: Viewer | undefined, ownerAccountId: string, unknown: () => AppError): Viewer {
  const known = requireViewer(viewer);
  if (known.role !== "admin" && known.accountId !== ownerAccountId) throw unknown();
  return known;
}

export function isAdmin(viewer: Viewer | undefined): boolean {
  return viewer?.role === "admin";
}

/** The caller's own account: carts and "my orders" are always the caller's. UNAUTHENTICATED without a viewer. */
export async function ownAccountId(context: GatewayContext): Promise<string> {
  return requireViewer(await context.viewer()).accountId;
}
