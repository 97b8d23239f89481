import { expect } from "vitest";
import { PASSWORD } from "./test-gateway-e2e.js";
import {
  graphqlAnswer,
  graphqlStorefront,
  restAnswer,
  restStorefront,
  SESSION,
  sessionOfGraphQL,
  sessionOfRest,
  type AccountShape,
  type Answer,
  type SessionShape,
  type Storefront,
  type Tokens,
} from "./test-storefront-skins.js";
import { errorOf, keepSession, type Flow, type Step } from "./test-storefront-parity.js";

/**
 * The storefront parity suite's flow (test-storefront-parity.ts) of a customer's account: registering, signing in, the
 * profile, refreshing the session and signing out.
 */

/** A customer's account and session, as one skin does it. */
interface AccountStorefront extends Storefront {
  login(email: string, password: string): Promise<Answer<SessionShape & Tokens>>;
  refresh(refreshToken: string): Promise<Answer<SessionShape & Tokens>>;
  logout(refreshToken: string): Promise<Answer<{ done: boolean }>>;
  me(token: string): Promise<Answer<AccountShape>>;
  updateProfile(token: string, changes: { name?: string; email?: string }): Promise<Answer<AccountShape>>;
}

const graphqlAccount: AccountStorefront = {
  ...graphqlStorefront,
  login: (email, password) =>
    graphqlAnswer(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ${SESSION} } }`,
      { e: email, p: password },
      undefined,
      "login",
      sessionOfGraphQL,
    ),
  refresh: (refreshToken) =>
    graphqlAnswer(
      `mutation($t: String!) { refreshToken(refreshToken: $t) { ${SESSION} } }`,
      { t: refreshToken },
      undefined,
      "refreshToken",
      sessionOfGraphQL,
    ),
  logout: (refreshToken) =>
    graphqlAnswer(
      `mutation($t: String!) { logout(refreshToken: $t) }`,
      { t: refreshToken },
      undefined,
      "logout",
      (done: boolean) => ({ done }),
    ),
  me: (token) => graphqlAnswer(`{ me { id name email role } }`, {}, token, "me", (account: AccountShape) => account),
  updateProfile: (token, changes) =>
    graphqlAnswer(
      `mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { id name email role } }`,
      { i: changes },
      token,
      "updateProfile",
      (account: AccountShape) => account,
    ),
};

const accountOfRest = ({ id, name, email, role }: AccountShape): AccountShape => ({ id, name, email, role });

const restAccount: AccountStorefront = {
  ...restStorefront,
  login: (email, password) => restAnswer("POST", "/login", { body: { email, password } }, sessionOfRest),
  refresh: (refreshToken) => restAnswer("POST", "/refresh", { body: { refreshToken } }, sessionOfRest),
  logout: (refreshToken) =>
    restAnswer("POST", "/logout", { body: { refreshToken } }, (body: { done: boolean }) => ({ done: body.done })),
  me: (token) => restAnswer("GET", "/me", { token }, accountOfRest),
  updateProfile: (token, changes) => restAnswer("PATCH", "/me", { token, body: changes }, accountOfRest),
};

const session = { data: { account: { id: "<account id>", email: "<email>", role: "CUSTOMER" }, hasAccessToken: true } };

const steps: Array<Step<AccountStorefront>> = [
  {
    name: "register",
    run: async (storefront, customer) =>
      keepSession(customer, await storefront.register(customer.name, customer.email, PASSWORD)),
    check: (answer) => expect(answer).toMatchObject(session),
  },
  {
    name: "register again with the same email",
    run: (storefront, customer) => storefront.register(customer.name, customer.email, PASSWORD),
    check: (answer) => expect(answer).toEqual(errorOf({ code: "CONFLICT", reason: "EMAIL_TAKEN", field: "email" })),
  },
  {
    name: "log in with a wrong password",
    run: (storefront, customer) => storefront.login(customer.email, `${PASSWORD}-wrong`),
    check: (answer) =>
      expect(answer).toMatchObject(errorOf({ code: "UNAUTHENTICATED", reason: "INVALID_CREDENTIALS" })),
  },
  {
    name: "log in",
    run: async (storefront, customer) => keepSession(customer, await storefront.login(customer.email, PASSWORD)),
    check: (answer) => expect(answer).toMatchObject(session),
  },
  {
    name: "me",
    read: true,
    run: (storefront, customer) => storefront.me(customer.accessToken),
    check: (answer) => expect(answer).toMatchObject({ data: session.data.account }),
  },
  {
    name: "me with a malformed token",
    read: true,
    run: (storefront) => storefront.me("not-a-token"),
    check: (answer) => expect(answer).toMatchObject(errorOf({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" })),
  },
  {
    name: "update the profile: a new name; a malformed email refused, naming email",
    run: async (storefront, customer) => ({
      renamed: await storefront.updateProfile(customer.accessToken, { name: "Parity Shopper Renamed" }),
      badEmail: await storefront.updateProfile(customer.accessToken, { email: "not-an-email" }),
      me: await storefront.me(customer.accessToken),
    }),
    check: (answer) =>
      expect(answer).toMatchObject({
        renamed: { data: { id: "<account id>", name: "Parity Shopper Renamed", email: "<email>" } },
        badEmail: errorOf({ code: "BAD_USER_INPUT", field: "email" }),
        me: { data: { name: "Parity Shopper Renamed", email: "<email>" } },
      }),
  },
  {
    name: "refresh",
    run: async (storefront, customer) => keepSession(customer, await storefront.refresh(customer.refreshToken)),
    check: (answer) => expect(answer).toMatchObject(session),
  },
  {
    name: "logout",
    run: (storefront, customer) => storefront.logout(customer.refreshToken),
    check: (answer) => expect(answer).toEqual({ data: { done: true } }),
  },
  {
    name: "refresh after logout",
    run: (storefront, customer) => storefront.refresh(customer.refreshToken),
    check: (answer) =>
      expect(answer).toMatchObject(errorOf({ code: "UNAUTHENTICATED", reason: "INVALID_REFRESH_TOKEN" })),
  },
];

export const accountsFlow: Flow<AccountStorefront> = {
  storefronts: { graphql: graphqlAccount, rest: restAccount },
  steps,
};
