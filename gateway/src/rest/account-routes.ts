import { requireOneOf } from "@polyscale/platform";
import * as domain from "../domain/index.js";
import { optionalString, queryPage, requiredString } from "./input.js";
import { bearer, bodyOf, idParameter, pageParameters, ref, responses } from "./openapi.js";
import { accountBody, ROLE_NAMES, roleNames } from "./representations.js";
import { created, ok, type Route } from "./router.js";

/** The REST face of accounts: the same operations and rules as the GraphQL fields of the same names. */
export function accountRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/account",
      operation: {
        operationId: "createAccount",
        tags: ["accounts"],
        summary: "Create an account (admins only)",
        security: bearer,
        requestBody: bodyOf("NewAccount"),
        responses: responses(
          { status: 201, description: "The new account", schema: ref("Account") },
          [400, 401, 403, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const role = optionalString(body, "role");
        const account = await domain.createAccount(context, {
          name: requiredString(body, "name"),
          email: optionalString(body, "email"),
          password: optionalString(body, "password"),
          role: role === undefined ? undefined : roleNames[requireOneOf("role", role, ROLE_NAMES)],
        });
        return created(accountBody(account));
      },
    },
    {
      method: "GET",
      path: "/account/{id}",
      operation: {
        operationId: "account",
        tags: ["accounts"],
        summary: "One account (its holder or an admin)",
        security: bearer,
        parameters: [idParameter("id", "Account id")],
        responses: responses({ status: 200, description: "The account", schema: ref("Account") }, [400, 401, 403, 404]),
      },
      handle: async (context, request) => ok(accountBody(await domain.getAccount(context, request.params.id!))),
    },
    {
      method: "GET",
      path: "/me",
      operation: {
        operationId: "me",
        tags: ["accounts"],
        summary: "The caller's own account (GraphQL's me is null without a token; here it is 401)",
        security: bearer,
        responses: responses({ status: 200, description: "The account", schema: ref("Account") }, [401]),
      },
      handle: async (context) => ok(accountBody(await domain.myAccount(context))),
    },
    {
      method: "PATCH",
      path: "/me",
      operation: {
        operationId: "updateProfile",
        tags: ["accounts"],
        summary: "Change the caller's name or email",
        security: bearer,
        requestBody: bodyOf("ProfileChange"),
        responses: responses({ status: 200, description: "The account", schema: ref("Account") }, [400, 401, 409, 413]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const account = await domain.updateProfile(context, {
          name: optionalString(body, "name"),
          email: optionalString(body, "email"),
        });
        return ok(accountBody(account));
      },
    },
    {
      method: "GET",
      path: "/accounts",
      operation: {
        operationId: "accounts",
        tags: ["accounts"],
        summary: "Accounts newest first (admins see all, a customer only their own)",
        security: bearer,
        parameters: [pageParameters.skip, pageParameters.take],
        responses: responses(
          { status: 200, description: "Accounts", schema: { type: "array", items: ref("Account") } },
          [400, 401],
        ),
      },
      async handle(context, request) {
        const accounts = await domain.listAccounts(context, queryPage(request.query));
        return ok(accounts.map(accountBody));
      },
    },
  ];
}
