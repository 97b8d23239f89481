import {
  failedPrecondition,
  newId,
  postalAddressOf,
  requireId,
  requirePostalAddress,
  type Database,
  type PostalAddress,
} from "@polyscale/platform";
import { accountNotFound, addressNotFound } from "./client.js";
import type { Address } from "./model.js";
import * as repository from "./repository.js";

/** Most addresses one account's book may hold: more than any customer ships to, few enough to list in one page. */
export const MAX_ADDRESSES_PER_ACCOUNT = 20;

export interface AddressServiceOptions {
  database: Database;
}

/** AddAddress's input, unchecked. */
export interface AddAddressInput {
  accountId: string;
  address: PostalAddress;
  defaultShipping: boolean;
  defaultBilling: boolean;
}

/**
 * UpdateAddress's input, unchecked, flat as the contract's request: the address and its account, then what may
 * change (any field of the address, and the default flags); what is left out (undefined) stays.
 */
export interface UpdateAddressInput extends Partial<PostalAddress> {
  accountId: string;
  id: string;
  defaultShipping?: boolean;
  defaultBilling?: boolean;
}

/** DeleteAddress's input, unchecked. */
export interface DeleteAddressInput {
  accountId: string;
  id: string;
}

/**
 * Address books: each account keeps up to MAX_ADDRESSES_PER_ACCOUNT validated postal addresses, at most one the
 * default for shipping and one for billing. Every change takes the account's row lock first (repository.lockAccount),
 * so concurrent additions cannot pass the limit and concurrent default changes cannot both win.
 */
export class AddressService {
  private readonly database: Database;

  constructor(options: AddressServiceOptions) {
    this.database = options.database;
  }

  /** The account's addresses, oldest first (an unknown account has none). */
  async listAddresses(accountId: string): Promise<Address[]> {
    return repository.listAddresses(this.database, requireId("accountId", accountId));
  }

  /** One address of any account (the caller's right to see it is checked by the server, on its accountId). */
  async getAddress(id: string): Promise<Address> {
    const address = await repository.findAddress(this.database, requireId("id", id));
    if (!address) throw addressNotFound(id, "id");
    return address;
  }

  /**
   * Adds a validated address (INVALID_ARGUMENT naming the field, nothing written). The first address of a book becomes
   * its default for shipping and billing. ACCOUNT_NOT_FOUND for an unknown account, ADDRESS_BOOK_FULL (failed
   * precondition) when the book holds MAX_ADDRESSES_PER_ACCOUNT already.
   */
  async addAddress(input: AddAddressInput): Promise<Address> {
    const accountId = requireId("accountId", input.accountId);
    const address = requirePostalAddress(input.address);
    return this.database.transaction(async (tx) => {
      if (!(await repository.lockAccount(tx, accountId))) throw accountNotFound(accountId, "accountId");
      const held = await repository.countAddresses(tx, accountId);
      if (held >= MAX_ADDRESSES_PER_ACCOUNT) {
        throw failedPrecondition(
          "ADDRESS_BOOK_FULL",
          `an address book holds at most ${MAX_ADDRESSES_PER_ACCOUNT} addresses; delete one first`,
          "accountId",
        );
      }
      return repository.insertAddress(tx, {
        ...address,
        id: newId(),
        accountId,
        defaultShipping: input.defaultShipping || held === 0,
        defaultBilling: input.defaultBilling || held === 0,
      });
    });
  }

  /**
   * Changes the given fields of one of the account's addresses; the result is validated as a whole (a new country
   * may require a postal code), nothing written if it fails. A default flag set to true takes it from the book's other
   * address; false leaves the book without one. ADDRESS_NOT_FOUND (field id) for an address the account does not have.
   */
  async updateAddress(input: UpdateAddressInput): Promise<Address> {
    const { accountId: givenAccountId, id: givenId, defaultShipping, defaultBilling, ...fields } = input;
    const accountId = requireId("accountId", givenAccountId);
    const id = requireId("id", givenId);
    return this.database.transaction(async (tx) => {
      if (!(await repository.lockAccount(tx, accountId))) throw addressNotFound(id, "id");
      const stored = await repository.findAddress(tx, id, accountId);
      if (!stored) throw addressNotFound(id, "id");
      const address = requirePostalAddress({ ...postalAddressOf(stored), ...definedOnly(fields) });
      return repository.updateAddress(tx, {
        ...address,
        id,
        accountId,
        defaultShipping: defaultShipping ?? stored.defaultShipping,
        defaultBilling: defaultBilling ?? stored.defaultBilling,
      });
    });
  }

  /** Deletes one of the account's addresses (ADDRESS_NOT_FOUND, field id, if it has none with this id). */
  async deleteAddress(input: DeleteAddressInput): Promise<void> {
    const accountId = requireId("accountId", input.accountId);
    const id = requireId("id", input.id);
    const deleted = await this.database.transaction(async (tx) => {
      if (!(await repository.lockAccount(tx, accountId))) return false;
      return repository.deleteAddress(tx, accountId, id);
    });
    if (!deleted) throw addressNotFound(id, "id");
  }
}

/** The changes that were given: an optional proto field left out arrives as undefined and changes nothing. */
function definedOnly(changes: Partial<PostalAddress>): Partial<PostalAddress> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}
