import { ROLE_NAMES, type RoleName } from "../representations.js";
import { instant, schemaRef } from "./fields.js";

/** Accounts and sessions: registration, profiles, tokens; Done answers the writes that return nothing else. */
export const accountSchemas = {
  Account: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      email: { type: "string" },
      role: { type: "string", enum: ROLE_NAMES },
      disabled: { type: "boolean" },
      emailVerified: { type: "boolean" },
      createdAt: instant,
      updatedAt: instant,
    },
  },
  Session: {
    type: "object",
    properties: {
      account: schemaRef("Account"),
      accessToken: { type: "string" },
      accessTokenExpiresAt: instant,
      refreshToken: { type: "string", description: "Single use: refreshing returns a new one." },
      refreshTokenExpiresAt: instant,
      cart: {
        ...schemaRef("Cart"),
        description:
          "After a login or registration with X-Cart-Token: the account's cart with the guest cart merged in.",
      },
      cartError: {
        type: "object",
        description: "After a login or registration with X-Cart-Token whose merge was refused (both carts unchanged).",
        properties: { code: { type: "string" }, reason: { type: "string" }, field: { type: "string" } },
      },
    },
  },
  Done: { type: "object", properties: { done: { type: "boolean", const: true } } },
  Registration: {
    type: "object",
    additionalProperties: false,
    required: ["name", "email", "password"],
    properties: {
      name: { type: "string" },
      email: { type: "string" },
      password: { type: "string", minLength: 8 },
    },
  },
  ProfileChange: {
    type: "object",
    additionalProperties: false,
    description: "Only the fields that are set change; a new email is unverified until confirmed.",
    properties: { name: { type: "string" }, email: { type: "string" } },
  },
  NewAccount: {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
      name: { type: "string" },
      email: { type: "string", description: "With password, lets the account log in." },
      password: { type: "string" },
      role: { type: "string", enum: ROLE_NAMES, default: "CUSTOMER" satisfies RoleName },
    },
  },
} as const;
