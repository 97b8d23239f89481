import { buildSchema, type GraphQLObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../graphql/schema.js";
import { openApiDocument } from "./openapi.js";
import { restRoutes } from "./routes.js";
import { sessionRoutes } from "./session-routes.js";

describe("REST sessions and account administration", () => {
  it("describes each route with the operationId of the GraphQL mutation it mirrors", () => {
    const mutations = (buildSchema(loadTypeDefs()).getType("Mutation") as GraphQLObjectType).getFields();
    const ids = sessionRoutes().map((route) => route.operation.operationId);
    expect(ids.sort()).toEqual(
      [
        "changePassword",
        "login",
        "logout",
        "logoutAll",
        "refreshToken",
        "requestEmailVerification",
        "requestPasswordReset",
        "resetPassword",
        "setAccountDisabled",
        "setAccountRole",
        "verifyEmail",
      ].sort(),
    );
    for (const id of ids) expect(Object.keys(mutations)).toContain(id);
  });

  it("states the security of every route: a bearer token where the caller must be known, none elsewhere", () => {
    const security = Object.fromEntries(sessionRoutes().map((route) => [route.path, route.operation.security]));
    const bearer = [{ bearerAuth: [] }];
    expect(security).toEqual({
      "/login": [],
      "/refresh": [],
      "/logout": [],
      "/logout-all": bearer,
      "/password-change": bearer,
      "/password-reset": [],
      "/password-reset/confirm": [],
      "/email-verification": bearer,
      "/email-verification/confirm": [],
      "/account/{id}/role": bearer,
      "/account/{id}/disabled": bearer,
    });
  });

  it("gives every operation of the document a distinct operationId where it has one", () => {
    const { paths } = openApiDocument(restRoutes({ paymentWebhookSecret: "" }));
    const ids = Object.values(paths)
      .flatMap((methods) => Object.values(methods))
      .map((operation) => operation.operationId)
      .filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
