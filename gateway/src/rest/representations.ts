import { Role, type Account } from "@polyscale/account";
import { OrderStatus, PaymentKind, type Cart, type Order } from "@polyscale/order";
import type { SearchProductsResponse } from "@polyscale/product";
import { optionFacetGroups, type OrderPage } from "../domain/index.js";

/**
 * REST bodies are the contract messages as JSON (camelCase, money in cents with currency, instants as RFC 3339), with
 * enums by name without their prefix ("ADMIN", "PENDING_PAYMENT", "CAPTURE"), as in the GraphQL schema.
 */

/** The roles by their REST names; the one list of those names (bodies, the OpenAPI document, input checks). */
export const roleNames = { CUSTOMER: Role.ROLE_CUSTOMER, ADMIN: Role.ROLE_ADMIN } as const;
export type RoleName = keyof typeof roleNames;
/** The REST role names in the order the OpenAPI document lists them. */
export const ROLE_NAMES = Object.keys(roleNames) as RoleName[];

function nameOf(enumObject: Record<string, string | number>, value: number, prefix: string): string {
  const name = enumObject[value];
  return typeof name === "string" ? name.replace(prefix, "") : "UNSPECIFIED";
}

/** An enum's values by the names REST uses (prefix dropped), without UNSPECIFIED: what a client may name. */
export function valuesByName(enumObject: Record<string, string | number>, prefix: string): Map<string, number> {
  return new Map(
    Object.entries(enumObject).flatMap(([key, value]) =>
      typeof value === "number" && key.startsWith(prefix) && key !== `${prefix}UNSPECIFIED`
        ? [[key.slice(prefix.length), value] as const]
        : [],
    ),
  );
}

/**
 * The order statuses and payment kinds by their REST names, read from the contract's enums: the one list of those
 * names (bodies, the OpenAPI document, the `status` filter), so a value the contract adds is in all of them.
 */
export const orderStatusByName = valuesByName(OrderStatus, "ORDER_STATUS_");
export const ORDER_STATUS_NAMES = [...orderStatusByName.keys()];
export const paymentKindByName = valuesByName(PaymentKind, "PAYMENT_KIND_");
export const PAYMENT_KIND_NAMES = [...paymentKindByName.keys()];
/** A PaymentEvent's `kind` (the webhook's, POST /payments'): the payment kinds in lower case, as providers write them. */
export const paymentEventKindByName = new Map(
  [...paymentKindByName].map(([name, value]) => [name.toLowerCase(), value] as const),
);
export const PAYMENT_EVENT_KINDS = [...paymentEventKindByName.keys()];

export function accountBody(account: Account) {
  return { ...account, role: nameOf(Role, account.role, "ROLE_") };
}

export function orderBody(order: Order) {
  return {
    ...order,
    status: nameOf(OrderStatus, order.status, "ORDER_STATUS_"),
    shippingAddress: order.shippingAddress ?? null,
    billingAddress: order.billingAddress ?? null,
    payments: order.payments.map((payment) => ({
      ...payment,
      kind: nameOf(PaymentKind, payment.kind, "PAYMENT_KIND_"),
    })),
  };
}

export function orderPageBody(page: OrderPage) {
  return { items: page.items.map(orderBody), totalCount: page.totalCount, totalCountIsExact: page.totalCountIsExact };
}

export function searchBody(result: SearchProductsResponse) {
  return {
    items: result.products,
    totalCount: result.totalCount,
    totalCountIsExact: result.totalCountIsExact,
    facets: {
      categories: result.categoryFacets,
      priceBuckets: result.priceFacets,
      options: optionFacetGroups(result.optionFacets),
      optionsAreExact: result.optionFacetsAreExact,
    },
  };
}

/** A cart as REST answers it: cartToken only where the contract sets it (the add that created a guest cart). */
export function cartBody({ cartToken, ...cart }: Cart) {
  return cartToken === "" ? cart : { ...cart, cartToken };
}
