import { buildSchema, type GraphQLObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../graphql/schema.js";
import { openApiDocument } from "./openapi.js";
import { sessionRoutes } from "./session-routes.js";

interface Operation {
  operationId?: string;
  security?: unknown[];
}

const paths = openApiDocument.paths as unknown as Record<string, Record<string, Operation>>;
const described = (method: string, path: string) => paths[path]?.[method.toLowerCase()];

describe("REST sessions and account administration", () => {
  it("describes each route with the operationId of the GraphQL mutation it mirrors", () => {
    const mutations = (buildSchema(loadTypeDefs()).getType("Mutation") as GraphQLObjectType).getFields();
    const ids = sessionRoutes().map((route) => described(route.method, route.path)?.operationId);
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
    const security = Object.fromEntries(
      sessionRoutes().map((route) => [route.path, described(route.method, route.path)?.security]),
    );
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
    const ids = Object.values(paths)
      .flatMap((methods) => Object.values(methods))
      .map((operation) => operation.operationId)
      .filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
