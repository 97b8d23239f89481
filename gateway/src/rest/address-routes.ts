import * as domain from "../domain/index.js";
import { addressFieldsOf, optionalBoolean, postalAddressOfBody } from "./input.js";
import { bearer, bodyOf, idParameter, ref, responses } from "./openapi.js";
import { created, ok, type Route } from "./router.js";

/** The REST face of the caller's address book: the same operations and rules as the GraphQL fields of the same names. */
export function addressRoutes(): Route[] {
  const addressResponse = (status: number, description: string) => ({ status, description, schema: ref("Address") });
  return [
    {
      method: "GET",
      path: "/me/addresses",
      operation: {
        operationId: "listAddresses",
        tags: ["accounts"],
        summary: "The caller's address book, oldest first",
        security: bearer,
        responses: responses(
          { status: 200, description: "Addresses", schema: { type: "array", items: ref("Address") } },
          [401],
        ),
      },
      handle: async (context) => ok(await domain.myAddresses(context)),
    },
    {
      method: "POST",
      path: "/me/addresses",
      operation: {
        operationId: "addAddress",
        tags: ["accounts"],
        summary: "Add an address to the caller's book (at most 20: ADDRESS_BOOK_FULL beyond)",
        security: bearer,
        requestBody: bodyOf("NewAddress"),
        responses: responses(addressResponse(201, "The new address"), [400, 401, 404, 409, 413, 415]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const entry = await domain.addAddress(context, {
          address: postalAddressOfBody(body),
          defaultShipping: optionalBoolean(body, "defaultShipping"),
          defaultBilling: optionalBoolean(body, "defaultBilling"),
        });
        return created(entry);
      },
    },
    {
      method: "PATCH",
      path: "/me/addresses/{id}",
      operation: {
        operationId: "updateAddress",
        tags: ["accounts"],
        summary: "Change an address of the caller's book (an admin: any account's)",
        security: bearer,
        parameters: [idParameter("id", "Address id")],
        requestBody: bodyOf("AddressChanges"),
        responses: responses(addressResponse(200, "The address as changed"), [400, 401, 403, 404, 413, 415]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const changes: domain.AddressChanges = {
          ...addressFieldsOf(body, ""),
          defaultShipping: optionalBoolean(body, "defaultShipping"),
          defaultBilling: optionalBoolean(body, "defaultBilling"),
        };
        return ok(await domain.updateAddress(context, { id: request.params.id!, changes }));
      },
    },
    {
      method: "DELETE",
      path: "/me/addresses/{id}",
      operation: {
        operationId: "deleteAddress",
        tags: ["accounts"],
        summary: "Remove an address from the caller's book (an admin: any account's); orders keep their snapshots",
        security: bearer,
        parameters: [idParameter("id", "Address id")],
        responses: responses(addressResponse(200, "The address as it was"), [400, 401, 403, 404]),
      },
      handle: async (context, request) => ok(await domain.deleteAddress(context, request.params.id!)),
    },
  ];
}
