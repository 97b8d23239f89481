import { Role } from "@polyscale/account";
import { OrderStatus, PaymentKind } from "@polyscale/order";
import { SearchSort } from "@polyscale/product";
import type {
  OrderStatusResolvers,
  PaymentKindResolvers,
  ProductSortResolvers,
  RoleResolvers,
} from "./gen/resolvers-types.js";

/**
 * The schema's enums are the contracts' enums under their GraphQL names, so messages pass through unchanged. Each map
 * names every value of its schema enum (Required): a value added to the schema without one fails to compile.
 */
export const enums = {
  Role: { CUSTOMER: Role.ROLE_CUSTOMER, ADMIN: Role.ROLE_ADMIN },
  OrderStatus: {
    PENDING_PAYMENT: OrderStatus.ORDER_STATUS_PENDING_PAYMENT,
    PAID: OrderStatus.ORDER_STATUS_PAID,
    FULFILLED: OrderStatus.ORDER_STATUS_FULFILLED,
    CANCELLED: OrderStatus.ORDER_STATUS_CANCELLED,
    REFUNDED: OrderStatus.ORDER_STATUS_REFUNDED,
    EXPIRED: OrderStatus.ORDER_STATUS_EXPIRED,
  },
  PaymentKind: { CAPTURE: PaymentKind.PAYMENT_KIND_CAPTURE, REFUND: PaymentKind.PAYMENT_KIND_REFUND },
  ProductSort: {
    RELEVANCE: SearchSort.SEARCH_SORT_RELEVANCE,
    PRICE_ASC: SearchSort.SEARCH_SORT_PRICE_ASC,
    PRICE_DESC: SearchSort.SEARCH_SORT_PRICE_DESC,
    NEWEST: SearchSort.SEARCH_SORT_NEWEST,
  },
} satisfies {
  Role: Required<RoleResolvers>;
  OrderStatus: Required<OrderStatusResolvers>;
  PaymentKind: Required<PaymentKindResolvers>;
  ProductSort: Required<ProductSortResolvers>;
};
