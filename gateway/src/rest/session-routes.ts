import { requireOneOf } from "@polyscale/platform";
import * as domain from "../domain/index.js";
import { requiredBoolean, requiredString } from "./input.js";
import { publicErrorOf } from "../http/errors.js";
import { anonymous, bearer, body, bodyOf, cartTokenOptional, idParameter, ref, responses } from "./openapi.js";
import { accountBody, cartBody, ROLE_NAMES, roleNames } from "./representations.js";
import { created, ok, type RestResult, type Route } from "./router.js";

/**
 * The REST face of sessions and account administration: the same operations, names and rules as the GraphQL
 * mutations of the same names (domain.ts). Each route's OpenAPI operationId is that mutation's name.
 */

const accepted: RestResult = { status: 202, body: { requested: true } };
const done: RestResult = { status: 200, body: { done: true } };

/**
 * A session as REST answers it; after a login or registration with X-Cart-Token also `cart`, the account's cart once
 * the guest cart moved into it, or `cartError` (code, reason, field) when the merge was refused.
 */
function sessionBody({ guestCart, ...session }: domain.SignedIn) {
  return {
    ...session,
    account: session.account && accountBody(session.account),
    ...(guestCart === undefined
      ? {}
      : "refused" in guestCart
        ? { cartError: publicErrorOf(guestCart.refused) }
        : { cart: cartBody(guestCart.cart) }),
  };
}

export function sessionRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/register",
      operation: {
        tags: ["sessions"],
        operationId: "register",
        summary: "Create a customer account that can log in, with its first session; throttled per address",
        description: "With X-Cart-Token, the guest cart moves into the new account's cart (cart, or cartError).",
        security: cartTokenOptional,
        requestBody: bodyOf("Registration"),
        responses: responses(
          { status: 201, description: "The new account's session", schema: ref("Session") },
          [400, 409, 413, 429],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const session = await domain.register(context, {
          name: requiredString(body, "name"),
          email: requiredString(body, "email"),
          password: requiredString(body, "password"),
        });
        return created(sessionBody(session));
      },
    },
    {
      method: "POST",
      path: "/login",
      operation: {
        tags: ["sessions"],
        operationId: "login",
        summary: "Log in with email and password; failures are throttled per email and address, then per address",
        description: "With X-Cart-Token, the guest cart moves into the account's cart (cart, or cartError).",
        security: cartTokenOptional,
        requestBody: body({ email: { type: "string" }, password: { type: "string" } }),
        responses: responses(
          { status: 200, description: "A new session", schema: ref("Session") },
          [400, 401, 413, 429],
        ),
      },
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
      operation: {
        tags: ["sessions"],
        operationId: "refreshToken",
        summary:
          "Trade a refresh token for a new pair; a repeat within REFRESH_GRACE_SECONDS gets the same pair, a later reuse ends the session",
        security: anonymous,
        requestBody: body({ refreshToken: { type: "string" } }),
        responses: responses({ status: 200, description: "The next session", schema: ref("Session") }, [400, 401, 413]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        return ok(sessionBody(await domain.refreshToken(context, requiredString(body, "refreshToken"))));
      },
    },
    {
      method: "POST",
      path: "/logout",
      operation: {
        tags: ["sessions"],
        operationId: "logout",
        summary: "End the refresh token's session; its access tokens stop working within a second on every gateway",
        security: anonymous,
        requestBody: body({ refreshToken: { type: "string" } }),
        responses: responses({ status: 200, description: "Logged out", schema: ref("Done") }, [400, 413]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        await domain.logout(context, requiredString(body, "refreshToken"));
        return done;
      },
    },
    {
      method: "POST",
      path: "/logout-all",
      operation: {
        tags: ["sessions"],
        operationId: "logoutAll",
        summary: "End every session of the caller's account",
        security: bearer,
        responses: responses({ status: 200, description: "Logged out everywhere", schema: ref("Done") }, [401]),
      },
      async handle(context) {
        await domain.logoutAll(context);
        return done;
      },
    },
    {
      method: "POST",
      path: "/password-change",
      operation: {
        tags: ["sessions"],
        operationId: "changePassword",
        summary: "Change the caller's password (throttled like a login); every other session ends",
        security: bearer,
        requestBody: body({ currentPassword: { type: "string" }, newPassword: { type: "string", minLength: 8 } }),
        responses: responses(
          { status: 200, description: "A fresh session", schema: ref("Session") },
          [400, 401, 413, 429],
        ),
      },
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
      operation: {
        tags: ["sessions"],
        operationId: "requestPasswordReset",
        summary: "Email a single-use password-reset link; the same answer whether or not the email has an account",
        security: anonymous,
        requestBody: body({ email: { type: "string" } }),
        responses: responses({ status: 202, description: "Requested" }, [400, 413, 429]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        await domain.requestPasswordReset(context, requiredString(body, "email"));
        return accepted;
      },
    },
    {
      method: "POST",
      path: "/password-reset/confirm",
      operation: {
        tags: ["sessions"],
        operationId: "resetPassword",
        summary: "Set a new password with the emailed token; every other session ends",
        security: anonymous,
        requestBody: body({ token: { type: "string" }, newPassword: { type: "string", minLength: 8 } }),
        responses: responses(
          { status: 200, description: "A fresh session", schema: ref("Session") },
          [400, 401, 413, 429],
        ),
      },
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
      operation: {
        tags: ["sessions"],
        operationId: "requestEmailVerification",
        summary: "Email the caller a link confirming their address",
        security: bearer,
        responses: responses({ status: 202, description: "Requested" }, [401, 409]),
      },
      async handle(context) {
        await domain.requestEmailVerification(context);
        return accepted;
      },
    },
    {
      method: "POST",
      path: "/email-verification/confirm",
      operation: {
        tags: ["sessions"],
        operationId: "verifyEmail",
        summary: "Confirm an address with the emailed token",
        security: anonymous,
        requestBody: body({ token: { type: "string" } }),
        responses: responses({ status: 200, description: "The account", schema: ref("Account") }, [400, 401, 413, 429]),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        return ok(accountBody(await domain.verifyEmail(context, requiredString(body, "token"))));
      },
    },
    {
      method: "POST",
      path: "/account/{id}/role",
      operation: {
        tags: ["accounts"],
        operationId: "setAccountRole",
        summary: "Set an account's role (admins only); its access tokens stop working within a second",
        security: bearer,
        parameters: [idParameter("id", "Account id")],
        requestBody: body({ role: { type: "string", enum: ROLE_NAMES } }),
        responses: responses(
          { status: 200, description: "The account", schema: ref("Account") },
          [400, 401, 403, 404, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const role = requireOneOf("role", requiredString(body, "role"), ROLE_NAMES);
        const account = await domain.setAccountRole(context, { id: request.params.id!, role: roleNames[role] });
        return ok(accountBody(account));
      },
    },
    {
      method: "POST",
      path: "/account/{id}/disabled",
      operation: {
        tags: ["accounts"],
        operationId: "setAccountDisabled",
        summary: "Disable (ending every session) or enable an account (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Account id")],
        requestBody: body({ disabled: { type: "boolean" } }),
        responses: responses(
          { status: 200, description: "The account", schema: ref("Account") },
          [400, 401, 403, 404, 413],
        ),
      },
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
