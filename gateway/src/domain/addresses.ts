import { postalAddressOf, requireId, type PostalAddress } from "@polyscale/platform";
import { addressNotFound, type Address } from "@polyscale/account";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { ownAccountId, requireAccountAccess, requireOwnerOf, requireViewer } from "./authorization.js";

/**
 * Address books: the caller's own (an admin may read and change any account's). The address rule (ISO 3166-1 country,
 * required fields per country, bounded single lines) is the platform's requirePostalAddress, applied by the account
 * service, which owns the book, with one message for every edge.
 */

/** An address-book entry as both skins answer it: the postal fields beside its id, owner and default flags. */
export interface AddressEntry extends PostalAddress {
  id: string;
  accountId: string;
  defaultShipping: boolean;
  defaultBilling: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What an update may change; what is left out stays. */
export interface AddressChanges extends Partial<PostalAddress> {
  defaultShipping?: boolean;
  defaultBilling?: boolean;
}

function entryOf(response: { address?: Address }): AddressEntry {
  const entry = present(response.address, "address");
  return {
    id: entry.id,
    accountId: entry.accountId,
    ...postalAddressOf(present(entry.address, "address.address")),
    defaultShipping: entry.defaultShipping,
    defaultBilling: entry.defaultBilling,
    createdAt: present(entry.createdAt, "address.createdAt"),
    updatedAt: present(entry.updatedAt, "address.updatedAt"),
  };
}

/** The addresses of an account, oldest first: its holder or an admin. */
export async function listAddresses(context: GatewayContext, accountId: string): Promise<AddressEntry[]> {
  requireAccountAccess(await context.viewer(), requireId("accountId", accountId));
  const { addresses } = await context.services.account.listAddresses({ accountId });
  return addresses.map((address) => entryOf({ address }));
}

/** The caller's addresses. */
export async function myAddresses(context: GatewayContext): Promise<AddressEntry[]> {
  return listAddresses(context, await ownAccountId(context));
}

/** Adds an address to the caller's book (the first one becomes the default for shipping and billing). */
export async function addAddress(
  context: GatewayContext,
  input: { address: PostalAddress; defaultShipping?: boolean; defaultBilling?: boolean },
): Promise<AddressEntry> {
  const accountId = await ownAccountId(context);
  return entryOf(
    await context.services.account.addAddress({
      accountId,
      address: input.address,
      defaultShipping: input.defaultShipping ?? false,
      defaultBilling: input.defaultBilling ?? false,
    }),
  );
}

/**
 * One address: its account's holder or an admin; NOT_FOUND ADDRESS_NOT_FOUND (field id) without it, and the same for
 * another account's address, so its id cannot be probed.
 */
export async function getAddress(context: GatewayContext, id: string): Promise<AddressEntry> {
  const viewer = requireViewer(await context.viewer());
  const entry = entryOf(await context.services.account.getAddress({ id }));
  requireOwnerOf(viewer, entry.accountId, () => addressNotFound(id, "id"));
  return entry;
}

/** Changes the given fields and default flags of an address: its account's holder or an admin. */
export async function updateAddress(
  context: GatewayContext,
  input: { id: string; changes: AddressChanges },
): Promise<AddressEntry> {
  const { accountId } = await getAddress(context, input.id);
  return entryOf(await context.services.account.updateAddress({ accountId, id: input.id, ...input.changes }));
}

/** Deletes an address: its account's holder or an admin; returns it as it was. Orders keep their snapshots of it. */
export async function deleteAddress(context: GatewayContext, id: string): Promise<AddressEntry> {
  const entry = await getAddress(context, id);
  await context.services.account.deleteAddress({ accountId: entry.accountId, id });
  return entry;
}
