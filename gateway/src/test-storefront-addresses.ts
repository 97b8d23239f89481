import { expect } from "vitest";
import { newId } from "@polyscale/platform";
import {
  graphqlAnswer,
  graphqlStorefront,
  ORDER,
  orderOfGraphQL,
  orderOfRest,
  restAnswer,
  restStorefront,
  type Answer,
  type GraphQLOrder,
  type OrderShape,
  type RestOrder,
  type Storefront,
} from "./test-storefront-skins.js";
import { errorOf, type Flow, type Step } from "./test-storefront-parity.js";

/**
 * The storefront parity suite's flow (test-storefront-parity.ts) of a customer's address book: entries added, changed
 * and deleted, with the defaults they carry, and a checkout shipped to one of them.
 */

/** An entry of the address book (the fields this suite writes, and its defaults). */
interface AddressShape {
  id: string;
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  countryCode: string;
  defaultShipping: boolean;
  defaultBilling: boolean;
}
type AddressFields = Pick<AddressShape, "name" | "line1" | "city" | "postalCode" | "countryCode">;
type AddressChanges = Partial<Pick<AddressShape, "line2" | "countryCode" | "defaultShipping">>;

interface ShippedShape {
  shippingAddress: { city: string; countryCode: string } | null;
}

/** A customer's address book, and a checkout shipped to an entry of it, as one skin does it. */
interface AddressStorefront extends Storefront {
  addresses(token: string): Promise<Answer<AddressShape[]>>;
  addAddress(token: string, address: AddressFields): Promise<Answer<AddressShape>>;
  updateAddress(token: string, id: string, changes: AddressChanges): Promise<Answer<AddressShape>>;
  /** GraphQL answers true, REST the address as it was: both as whether that address went. */
  deleteAddress(token: string, id: string): Promise<Answer<{ deleted: boolean }>>;
  /** Checkout shipped to an entry of the caller's address book. */
  checkoutTo(token: string, shippingAddressId: string): Promise<Answer<OrderShape & ShippedShape>>;
  cancelOrder(token: string, id: string): Promise<Answer<OrderShape>>;
}

const ADDRESS = `id name line1 line2 city postalCode countryCode defaultShipping defaultBilling`;

const graphqlAddresses: AddressStorefront = {
  ...graphqlStorefront,
  addresses: (token) =>
    graphqlAnswer(
      `{ me { addresses { ${ADDRESS} } } }`,
      {},
      token,
      "me",
      (me: { addresses: AddressShape[] }) => me.addresses,
    ),
  addAddress: (token, address) =>
    graphqlAnswer(
      `mutation($i: AddressInput!) { addAddress(input: $i) { ${ADDRESS} } }`,
      { i: address },
      token,
      "addAddress",
      (added: AddressShape) => added,
    ),
  updateAddress: (token, id, changes) =>
    graphqlAnswer(
      `mutation($id: String!, $i: UpdateAddressInput!) { updateAddress(id: $id, input: $i) { ${ADDRESS} } }`,
      { id, i: changes },
      token,
      "updateAddress",
      (changed: AddressShape) => changed,
    ),
  deleteAddress: (token, id) =>
    graphqlAnswer(
      `mutation($id: String!) { deleteAddress(id: $id) }`,
      { id },
      token,
      "deleteAddress",
      (deleted: boolean) => ({
        deleted,
      }),
    ),
  checkoutTo: (token, shippingAddressId) =>
    graphqlAnswer(
      `mutation($a: String) { checkout(shippingAddressId: $a) { ${ORDER} shippingAddress { city countryCode } } }`,
      { a: shippingAddressId },
      token,
      "checkout",
      (order: GraphQLOrder & ShippedShape) => ({ ...orderOfGraphQL(order), shippingAddress: order.shippingAddress }),
    ),
  cancelOrder: (token, id) =>
    graphqlAnswer(
      `mutation($id: String!) { cancelOrder(id: $id) { ${ORDER} } }`,
      { id },
      token,
      "cancelOrder",
      orderOfGraphQL,
    ),
};

const addressOfRest = (address: AddressShape): AddressShape => ({
  id: address.id,
  name: address.name,
  line1: address.line1,
  line2: address.line2,
  city: address.city,
  postalCode: address.postalCode,
  countryCode: address.countryCode,
  defaultShipping: address.defaultShipping,
  defaultBilling: address.defaultBilling,
});

const restAddresses: AddressStorefront = {
  ...restStorefront,
  addresses: (token) =>
    restAnswer("GET", "/me/addresses", { token }, (addresses: AddressShape[]) => addresses.map(addressOfRest)),
  addAddress: (token, address) => restAnswer("POST", "/me/addresses", { token, body: address }, addressOfRest),
  updateAddress: (token, id, changes) =>
    restAnswer("PATCH", `/me/addresses/${encodeURIComponent(id)}`, { token, body: changes }, addressOfRest),
  deleteAddress: (token, id) =>
    restAnswer("DELETE", `/me/addresses/${encodeURIComponent(id)}`, { token }, (gone: AddressShape) => ({
      deleted: gone.id === id,
    })),
  checkoutTo: (token, shippingAddressId) =>
    restAnswer("POST", "/checkout", { token, body: { shippingAddressId } }, (order: RestOrder & ShippedShape) => ({
      ...orderOfRest(order),
      shippingAddress: order.shippingAddress && {
        city: order.shippingAddress.city,
        countryCode: order.shippingAddress.countryCode,
      },
    })),
  cancelOrder: (token, id) => restAnswer("POST", `/order/${encodeURIComponent(id)}/cancel`, { token }, orderOfRest),
};

const steps: Array<Step<AddressStorefront>> = [
  {
    name: "an address book: add two (the first is the default), change one to the default, list; a bad country refused",
    run: async (storefront, customer) => {
      const token = customer.accessToken;
      const berlin = {
        name: "Ada",
        line1: "Unter den Linden 1",
        city: "Berlin",
        postalCode: "10117",
        countryCode: "de",
      };
      const home = await storefront.addAddress(token, berlin);
      const work = await storefront.addAddress(token, { ...berlin, line1: "Friedrichstrasse 2" });
      for (const added of [home, work]) if ("data" in added) customer.addressIds.push(added.data.id);
      const badCountry = await storefront.addAddress(token, { ...berlin, countryCode: "XX" });
      const changed = await storefront.updateAddress(token, customer.addressIds[1]!, {
        line2: "3rd floor",
        defaultShipping: true,
      });
      const unknown = await storefront.updateAddress(token, newId(), { line2: "nowhere" });
      return { home, work, badCountry, changed, unknown, book: await storefront.addresses(token) };
    },
    check: (answer) => {
      const home = { id: "<address 1>", countryCode: "DE", line2: "", defaultShipping: true, defaultBilling: true };
      const work = { id: "<address 2>", line1: "Friedrichstrasse 2", defaultShipping: false, defaultBilling: false };
      expect(answer).toMatchObject({
        home: { data: home },
        work: { data: work },
        badCountry: errorOf({ code: "BAD_USER_INPUT", reason: "COUNTRY_UNKNOWN", field: "countryCode" }),
        changed: { data: { ...work, line2: "3rd floor", defaultShipping: true } },
        unknown: errorOf({ code: "NOT_FOUND", reason: "ADDRESS_NOT_FOUND" }),
        book: {
          data: [
            { ...home, defaultShipping: false },
            { ...work, line2: "3rd floor", defaultShipping: true },
          ],
        },
      });
    },
  },
  {
    name: "checkout shipped to an address of the book, which then goes; the order is cancelled, and only once",
    run: async (storefront, customer, { products }) => {
      const token = customer.accessToken;
      await storefront.addToCart(token, products.socks, 2);
      const order = await storefront.checkoutTo(token, customer.addressIds[1]!);
      if ("data" in order) customer.orderIds.push(order.data.id);
      const id = customer.orderIds.at(-1)!;
      return {
        order,
        deleted: await storefront.deleteAddress(token, customer.addressIds[1]!),
        cancelled: await storefront.cancelOrder(token, id),
        again: await storefront.cancelOrder(token, id),
        book: await storefront.addresses(token),
      };
    },
    check: (answer, { products }) =>
      expect(answer).toMatchObject({
        order: {
          data: {
            id: "<order 1>",
            status: "PENDING_PAYMENT",
            totalCents: 2500,
            lines: [{ productId: products.socks, quantity: 2 }],
            shippingAddress: { city: "Berlin", countryCode: "DE" },
          },
        },
        deleted: { data: { deleted: true } },
        cancelled: { data: { id: "<order 1>", status: "CANCELLED" } },
        again: errorOf({ code: "CONFLICT", reason: "ORDER_NOT_CANCELLABLE" }),
        book: { data: [{ id: "<address 1>" }] },
      }),
  },
];

export const addressesFlow: Flow<AddressStorefront> = {
  storefronts: { graphql: graphqlAddresses, rest: restAddresses },
  steps,
  signedIn: true,
};
