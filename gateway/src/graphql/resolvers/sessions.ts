import * as domain from "../../domain/index.js";
import { nonNull } from "../errors.js";
import type { AuthPayloadResolvers, MutationResolvers } from "../gen/resolvers-types.js";

export const Mutation = {
  register: (_, { input }, { gateway }) => domain.register(gateway, input),
  login: (_, args, { gateway }) => domain.login(gateway, args),
  refreshToken: (_, args, { gateway }) => domain.refreshToken(gateway, args.refreshToken),
  logout: async (_, args, { gateway }) => {
    await domain.logout(gateway, args.refreshToken);
    return true;
  },
  logoutAll: async (_, _args, { gateway }) => {
    await domain.logoutAll(gateway);
    return true;
  },
  requestPasswordReset: async (_, args, { gateway }) => {
    await domain.requestPasswordReset(gateway, args.email);
    return true;
  },
  resetPassword: (_, args, { gateway }) => domain.resetPassword(gateway, args),
  requestEmailVerification: async (_, _args, { gateway }) => {
    await domain.requestEmailVerification(gateway);
    return true;
  },
  verifyEmail: (_, args, { gateway }) => domain.verifyEmail(gateway, args.token),
  changePassword: (_, args, { gateway }) => domain.changePassword(gateway, args),
} satisfies MutationResolvers;

export const types = {
  AuthPayload: {
    account: (session) => nonNull(session.account, "session account"),
    cart: (session) => {
      if (session.guestCart === undefined) return null;
      if ("refused" in session.guestCart) throw session.guestCart.refused;
      return session.guestCart.cart;
    },
  } satisfies AuthPayloadResolvers,
};
