import * as domain from "../../domain/index.js";
import type { MutationResolvers, PaymentResolvers } from "../gen/resolvers-types.js";
import { decimalOf } from "../money.js";

export const Mutation = {
  recordPayment: (_, { input }, { gateway }) => domain.recordPayment(gateway, input),
} satisfies MutationResolvers;

export const types = {
  Payment: {
    amount: (payment) => decimalOf(payment.amountCents, payment.currency),
  } satisfies PaymentResolvers,
};
