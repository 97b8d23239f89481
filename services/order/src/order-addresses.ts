import { addressNotFound, type AccountClient } from "@polyscale/account";
import {
  AppError,
  invalidArgument,
  postalAddressOf,
  requireId,
  requirePostalAddress,
  type PostalAddress,
  type RequestContext,
} from "@polyscale/platform";
import type { OrderAddresses } from "./model.js";

/**
 * An order's addresses as a caller names them, unchecked (the address fields of PlaceOrderInput and CheckoutInput):
 * each written out or as an id of the account's address book.
 */
export interface OrderAddressesInput {
  shippingAddress?: PostalAddress;
  /** "" or absent: none. */
  shippingAddressId?: string;
  billingAddress?: PostalAddress;
  billingAddressId?: string;
}

/** One address of an order, checked: none, written out (validated), or an address-book id (well-formed). */
type AddressChoice =
  { kind: "none" } | { kind: "written"; address: PostalAddress } | { kind: "book"; addressId: string; field: string };

/** The checked choices of an order's addresses; part of an idempotency key's request fingerprint. */
export interface AddressChoices {
  shipping: AddressChoice;
  billing: AddressChoice;
}

function choiceOf(field: "shippingAddress" | "billingAddress", address?: PostalAddress, id = ""): AddressChoice {
  const idField = `${field}Id`;
  if (address !== undefined && id !== "") throw invalidArgument(idField, `give ${field} or ${idField}, not both`);
  if (address !== undefined) return { kind: "written", address: requirePostalAddress(address, field) };
  if (id !== "") return { kind: "book", addressId: requireId(idField, id), field: idField };
  return { kind: "none" };
}

/**
 * Checks an order's addresses before anything happens: a written address passes the platform's rule (fields named
 * `shippingAddress.postalCode` and so on), an id must be well formed, and not both for one address (INVALID_ARGUMENT).
 * A shipping address is optional: an order without one (the Go-compatible createOrder, pickup, digital goods) is
 * stored without; the billing address defaults to the shipping address.
 */
export function requireAddressChoices(input: OrderAddressesInput): AddressChoices {
  return {
    shipping: choiceOf("shippingAddress", input.shippingAddress, input.shippingAddressId),
    billing: choiceOf("billingAddress", input.billingAddress, input.billingAddressId),
  };
}

/**
 * The snapshots to store: written addresses as they are, address-book ids read from the account service (as the
 * end user, whose token it checks: NOT_OWNER for someone else's address). An id the account's book does not hold is
 * NOT_FOUND ADDRESS_NOT_FOUND naming the field, also when another account holds it (an admin ordering for a customer).
 */
export async function resolveOrderAddresses(
  context: RequestContext,
  accounts: AccountClient,
  accountId: string,
  choices: AddressChoices,
): Promise<OrderAddresses> {
  const resolve = async (choice: AddressChoice): Promise<PostalAddress | null> => {
    switch (choice.kind) {
      case "none":
        return null;
      case "written":
        return choice.address;
      case "book":
        return bookAddress(context, accounts, accountId, choice);
    }
  };
  const [shippingAddress, billing] = await Promise.all([resolve(choices.shipping), resolve(choices.billing)]);
  return { shippingAddress, billingAddress: choices.billing.kind === "none" ? shippingAddress : billing };
}

async function bookAddress(
  context: RequestContext,
  accounts: AccountClient,
  accountId: string,
  choice: { addressId: string; field: string },
): Promise<PostalAddress> {
  const missing = () => addressNotFound(choice.addressId, choice.field);
  try {
    const { address } = await accounts.getAddress({ id: choice.addressId }, context);
    if (address?.accountId !== accountId || address.address === undefined) throw missing();
    return postalAddressOf(address.address);
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") throw missing();
    throw error;
  }
}
