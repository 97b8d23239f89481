import * as domain from "../../domain/index.js";
import type { AccountResolvers, MutationResolvers, QueryResolvers } from "../gen/resolvers-types.js";
import { defined } from "../inputs.js";

export const Query = {
  accounts: (_, args, { gateway }) => domain.listAccounts(gateway, domain.pageOf(args.pagination), defined(args.id)),
  me: (_, _args, { gateway }) => domain.me(gateway),
} satisfies QueryResolvers;

export const Mutation = {
  createAccount: (_, { account }, { gateway }) =>
    domain.createAccount(gateway, {
      name: account.name,
      email: defined(account.email),
      password: defined(account.password),
      role: defined(account.role),
    }),
  updateProfile: (_, { input }, { gateway }) =>
    domain.updateProfile(gateway, { name: defined(input.name), email: defined(input.email) }),
  setAccountRole: (_, args, { gateway }) => domain.setAccountRole(gateway, args),
  setAccountDisabled: (_, args, { gateway }) => domain.setAccountDisabled(gateway, args),
} satisfies MutationResolvers;

export const types = {
  Account: {
    orders: (account, _args, { gateway }) => domain.ordersOfAccount(gateway, account.id),
    addresses: (account, _args, { gateway }) => domain.listAddresses(gateway, account.id),
  } satisfies AccountResolvers,
};
