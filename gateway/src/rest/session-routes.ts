import type { Session } from "@polyscale/account";
import * as domain from "../domain/index.js";
import { oneOf, requiredBoolean, requiredString } from "./input.js";
import { accountBody, roleNames } from "./representations.js";
import { ok, type RestResult, type Route } from "./router.js";

/**
 * The REST face of sessions and account administration: the same operations, names and rules as the GraphQL
 * mutations of the same names (domain.ts). Each route's OpenAPI operationId is that mutation's name.
 */

const accepted: RestResult = { status: 202, body: { requested: true } };
const done: RestResult = { status: 200, body: { done: true } };

function sessionBody(session: Session) {
  return { ...session, account: session.account && accountBody(session.account) };
}

export function sessionRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/login",
      async handle(context, request) {
        const body = await request.jsonBody();
        const session = await domain.login(context, {
          email: requiredString(body, "email"),
          password: requiredString(body, "password"),
        });
        return ok(sessionBody(session));
      },
    },
    {
      method: "POST",
      path: "/refresh",
      async handle(context, request) {
        const body = await request.jsonBody();
        return ok(sessionBody(await domain.refreshToken(context, requiredString(body, "refreshToken"))));
      },
    },
    {
      method: "POST",
      path: "/logout",
      async handle(context, request) {
        const body = await request.jsonBody();
        await domain.logout(context, requiredString(body, "refreshToken"));
        return done;
      },
    },
    {
      method: "POST",
      path: "/logout-all",
      async handle(context) {
        await domain.logoutAll(context);
        return done;
      },
    },
    {
      method: "POST",
      path: "/password-change",
      async handle(context, request) {
        const body = await request.jsonBody();
        const session = await domain.changePassword(context, {
          currentPassword: requiredString(body, "currentPassword"),
          newPassword: requiredString(body, "newPassword"),
        });
        return ok(sessionBody(session));
      },
    },
    {
      method: "POST",
      path: "/password-reset",
      async handle(context, request) {
        const body = await request.jsonBody();
        await domain.requestPasswordReset(context, requiredString(body, "email"));
        return accepted;
      },
    },
    {
      method: "POST",
      path: "/password-reset/confirm",
      async handle(context, request) {
        const body = await request.jsonBody();
        const session = await domain.resetPassword(context, {
          token: requiredString(body, "token"),
          newPassword: requiredString(body, "newPassword"),
        });
        return ok(sessionBody(session));
      },
    },
    {
      method: "POST",
      path: "/email-verification",
      async handle(context) {
        await domain.requestEmailVerification(context);
        return accepted;
      },
    },
    {
      method: "POST",
      path: "/email-verification/confirm",
      async handle(context, request) {
        const body = await request.jsonBody();
        return ok(accountBody(await domain.verifyEmail(context, requiredString(body, "token"))));
      },
    },
    {
      method: "POST",
      path: "/account/{id}/role",
      async handle(context, request) {
        const body = await request.jsonBody();
        const role = oneOf(requiredString(body, "role"), "role", ["CUSTOMER", "ADMIN"] as const);
        const account = await domain.setAccountRole(context, { id: request.params.id!, role: roleNames[role] });
        return ok(accountBody(account));
      },
    },
    {
      method: "POST",
      path: "/account/{id}/disabled",
      async handle(context, request) {
        const body = await request.jsonBody();
        const account = await domain.setAccountDisabled(context, {
          id: request.params.id!,
          disabled: requiredBoolean(body, "disabled"),
        });
        return ok(accountBody(account));
      },
    },
  ];
}
