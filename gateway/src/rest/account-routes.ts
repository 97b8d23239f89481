import * as domain from "../domain/index.js";
import { oneOf, optionalString, queryPage, requiredString } from "./input.js";
import { accountBody, roleNames } from "./representations.js";
import { created, ok, type Route } from "./router.js";

/** The REST face of accounts: the same operations and rules as the GraphQL fields of the same names. */
export function accountRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/account",
      async handle(context, request) {
        const body = await request.jsonBody();
        const role = optionalString(body, "role");
        const account = await domain.createAccount(context, {
          name: requiredString(body, "name"),
          email: optionalString(body, "email"),
          password: optionalString(body, "password"),
          role: role === undefined ? undefined : roleNames[oneOf(role, "role", ["CUSTOMER", "ADMIN"] as const)],
        });
        return created(accountBody(account));
      },
    },
    {
      method: "GET",
      path: "/account/{id}",
      handle: async (context, request) => ok(accountBody(await domain.getAccount(context, request.params.id!))),
    },
    {
      method: "GET",
      path: "/accounts",
      async handle(context, request) {
        const accounts = await domain.listAccounts(context, queryPage(request.query));
        return ok(accounts.map(accountBody));
      },
    },
  ];
}
