import * as domain from "../../domain/index.js";
import type { MutationResolvers } from "../gen/resolvers-types.js";
import { addressChangesOf, defined, postalAddressOfInput } from "../inputs.js";

export const Mutation = {
  addAddress: (_, args, { gateway }) =>
    domain.addAddress(gateway, {
      address: postalAddressOfInput(args.input),
      defaultShipping: defined(args.defaultShipping),
      defaultBilling: defined(args.defaultBilling),
    }),
  updateAddress: (_, args, { gateway }) =>
    domain.updateAddress(gateway, { id: args.id, changes: addressChangesOf(args.input) }),
  deleteAddress: async (_, args, { gateway }) => {
    await domain.deleteAddress(gateway, args.id);
    return true;
  },
} satisfies MutationResolvers;
