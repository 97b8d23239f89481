import {
  AppError,
  invalidArgument,
  requireEmail,
  requireId,
  unauthenticated,
  type Page,
  type PostalAddress,
} from "@polyscale/platform";
import { orderNotFound, type Order, type OrderStatus } from "@polyscale/order";
import type { GatewayContext } from "../context.js";
import { present } from "./answers.js";
import { ownAccountId, requireAccountAccess, requireAdmin, requireOwnerOf, requireViewer } from "./authorization.js";

/** Orders: checkout of the own cart, orders placed for an account, reading, cancelling and fulfilling them. */

/** NOT_FOUND as undefined, for look-ups whose absence is an answer rather than an error. */
async function orUndefined<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return undefined;
    throw error;
  }
}

function orderOf(response: { order?: Order }): Order {
  return present(response.order, "order");
}

/**
 * The order's idempotency key: the one given with the input (REST body, GraphQL argument) or the Idempotency-Key
 * header. Both name the one key of the order, so two different ones are refused (field idempotencyKey) before anything
 * is placed: were one to win silently, a retry sending only the other would place the order twice.
 */
function idempotencyKeyOf(context: GatewayContext, key: string | null | undefined): string {
  const header = context.idempotencyKey;
  if (key !== null && key !== undefined && header !== undefined && key !== header) {
    throw invalidArgument(
      "idempotencyKey",
      "differs from the Idempotency-Key header: send the key once, or the same in both",
    );
  }
  return key ?? header ?? "";
}

/**
 * An order's addresses as a client names them, each optional: written out (the platform's address rule, checked by
 * the order service) or as an id of the account's address book, not both; billing defaults to shipping. An order
 * needs no shipping address (the Go-compatible createOrder, pickup, digital goods): a storefront that ships asks for
 * one. The order keeps snapshots, which later address-book changes leave alone.
 */
export interface OrderAddressInput {
  shippingAddress?: PostalAddress;
  shippingAddressId?: string;
  billingAddress?: PostalAddress;
  billingAddressId?: string;
}

export async function checkout(
  context: GatewayContext,
  idempotencyKey?: string | null,
  addresses: OrderAddressInput = {},
): Promise<Order> {
  // A guest cart is not checked out (README, "Guest carts"): the shopper logs in and the cart moves along.
  if (context.cartToken !== undefined && (await context.viewer()) === undefined) {
    throw unauthenticated(
      "GUEST_CHECKOUT_UNSUPPORTED",
      "a guest cart cannot be checked out; log in or register (the cart moves into the account's), then check out",
    );
  }
  const accountId = await ownAccountId(context);
  return orderOf(
    await context.services.order.checkout({
      accountId,
      idempotencyKey: idempotencyKeyOf(context, idempotencyKey),
      ...addresses,
    }),
  );
}

export interface OrderLineInput {
  productId: string;
  /** A variant of the product; absent or empty: its default variant. */
  variantId?: string;
  quantity: number;
}

/**
 * Places an order for an account: its holder or an admin. The lines' rules (at least one line, valid ids, 1..1000 units each)
 * are the platform's, applied by the order service that takes them: one message for every edge, not checked here.
 */
export async function placeOrder(
  context: GatewayContext,
  input: { accountId: string; lines: OrderLineInput[]; idempotencyKey?: string | null; addresses?: OrderAddressInput },
): Promise<Order> {
  requireAccountAccess(await context.viewer(), requireId("accountId", input.accountId));
  const response = await context.services.order.placeOrder({
    accountId: input.accountId,
    lines: input.lines,
    idempotencyKey: idempotencyKeyOf(context, input.idempotencyKey),
    ...input.addresses,
  });
  return orderOf(response);
}

/**
 * One order: its account's holder or an admin; NOT_FOUND ORDER_NOT_FOUND when there is none, and the same for another
 * customer's order (the order service answers so too for the forwarded token).
 */
export async function getOrder(context: GatewayContext, id: string): Promise<Order> {
  const viewer = requireViewer(await context.viewer());
  const order = orderOf(await context.services.order.getOrder({ id }));
  requireOwnerOf(viewer, order.accountId, () => orderNotFound(id, "id"));
  return order;
}

/** getOrder with NOT_FOUND as undefined. */
export async function findOrder(context: GatewayContext, id: string): Promise<Order | undefined> {
  return orUndefined(getOrder(context, id));
}

/** Which orders a page holds; every condition optional. */
export interface OrderFilter {
  /** Any of these; none or empty means every status. */
  statuses?: readonly OrderStatus[];
  /** Placed at or after this instant. */
  createdFrom?: Date;
  /** Placed before this instant; before createdFrom is BAD_USER_INPUT (field createdFrom). */
  createdTo?: Date;
}

/** One page of orders, newest first, and how many match over all pages. */
export interface OrderPage {
  items: Order[];
  /** Exact up to 10,000 matches; beyond, 10,000 with totalCountIsExact false. */
  totalCount: number;
  totalCountIsExact: boolean;
}

/**
 * A page of orders, newest first, with the number matching: of one account (its holder or an admin) or, without one,
 * of everybody (admins only); an admin may name the account by `email` instead (no account with that email: an empty
 * page), and both must then agree.
 */
export async function findOrders(
  context: GatewayContext,
  query: OrderFilter & { accountId?: string; email?: string },
  page: Page,
): Promise<OrderPage> {
  const viewer = await context.viewer();
  const { email } = query;
  let accountId = query.accountId === undefined ? undefined : requireId("accountId", query.accountId);
  if (accountId === undefined || email !== undefined) requireAdmin(viewer);
  else requireAccountAccess(viewer, accountId);
  if (email !== undefined) {
    const { accounts } = await context.services.account.listAccounts({
      email: requireEmail("email", email),
      skip: 0,
      take: 1,
    });
    const holder = accounts[0]?.id;
    if (holder === undefined || (accountId !== undefined && accountId !== holder))
      return { items: [], totalCount: 0, totalCountIsExact: true };
    accountId = holder;
  }
  const response = await context.services.order.listOrders({
    accountId: accountId ?? "",
    statuses: [...(query.statuses ?? [])],
    createdFrom: query.createdFrom,
    createdTo: query.createdTo,
    ...page,
  });
  return { items: response.orders, totalCount: response.totalCount, totalCountIsExact: response.totalCountIsExact };
}

/** The caller's own orders: a page, newest first, with the number matching. */
export async function findMyOrders(context: GatewayContext, filter: OrderFilter, page: Page): Promise<OrderPage> {
  return findOrders(context, { ...filter, accountId: await ownAccountId(context) }, page);
}

/** Orders newest first: of one account (its holder or an admin) or, without one, of everybody (admins only). */
export async function listOrders(context: GatewayContext, accountId: string | undefined, page: Page): Promise<Order[]> {
  return (await findOrders(context, { accountId }, page)).items;
}

export async function myOrders(context: GatewayContext, page: Page): Promise<Order[]> {
  return listOrders(context, await ownAccountId(context), page);
}

/**
 * Every order of an account, newest first, for a field nested under an account (GraphQL's Account.orders): its holder
 * or an admin, as for listOrders, so an account answered without a token (verifyEmail, resetPassword, login) does not
 * carry its orders out. UNAUTHENTICATED without a viewer, FORBIDDEN (NOT_OWNER) for another customer's account.
 * Batched per request: one ListOrdersForAccounts for all the accounts of a query.
 */
export async function ordersOfAccount(context: GatewayContext, accountId: string): Promise<Order[]> {
  requireAccountAccess(await context.viewer(), requireId("accountId", accountId));
  return context.loaders.ordersByAccountId.load(accountId);
}

export async function cancelOrder(context: GatewayContext, id: string): Promise<Order> {
  await getOrder(context, id);
  return orderOf(await context.services.order.cancelOrder({ id }));
}

export async function markFulfilled(context: GatewayContext, id: string): Promise<Order> {
  requireAdmin(await context.viewer());
  return orderOf(await context.services.order.markFulfilled({ id }));
}
