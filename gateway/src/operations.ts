import {
  AppError,
  canonicalEmail,
  invalidArgument,
  notFound,
  normalizePage,
  requireId,
  requireInteger,
  type Page,
} from "@polyscale/platform";
import { Role, type Account, type Session } from "@polyscale/account";
import type { Cart, Order, RecordPaymentRequest } from "@polyscale/order";
import type {
  Category,
  Product,
  SearchProductsResponse,
  SearchSort,
  StockLevel,
  UpdateProductRequest,
} from "@polyscale/product";
import { isAdmin, requireAccountAccess, requireAdmin, requireViewer } from "./authorization.js";
import type { GatewayContext } from "./context.js";
import type { LoginSubject } from "./throttle.js";

/**
 * What the gateway can do, shared by GraphQL resolvers and REST handlers: each operation applies the authorization
 * rules, validates what the gateway itself interprets (pages, order lines) and calls the services. Transports only
 * translate shapes (e.g. GraphQL's decimal prices) around these.
 */

export interface PageInput {
  skip?: number | null;
  take?: number | null;
}

/** skip/take from a request: negative is BAD_USER_INPUT, missing or 0 take means 100, more than 100 is capped. */
export function pageOf(input: PageInput | null | undefined): Page {
  return normalizePage({ skip: input?.skip ?? 0, take: input?.take ?? 0 });
}

/** NOT_FOUND as undefined, for look-ups whose absence is an answer rather than an error. */
async function orUndefined<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return undefined;
    throw error;
  }
}

function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AppError("INTERNAL", `${what} missing from a service response`);
  return value;
}

// Sessions and profile

/** Each registration counts against the client address's allowance of expensive anonymous operations. */
export async function register(
  context: GatewayContext,
  input: { name: string; email: string; password: string },
): Promise<Session> {
  await context.throttle.countAnonymous(context.clientIp);
  return present((await context.services.account.register(input)).session, "session");
}

/**
 * Runs a password check under the throttle of (who, client address) and of the address: a wrong password keeps its
 * count, the right one clears the pair, and a call that never checked a password (bad input, service down) counts
 * nothing.
 */
async function throttledPasswordCheck<T>(
  context: GatewayContext,
  who: LoginSubject,
  check: () => Promise<T>,
): Promise<T> {
  const attempt = await context.throttle.beginLogin(who, context.clientIp);
  let result: T;
  try {
    result = await check();
  } catch (error) {
    if (!(error instanceof AppError && error.code === "UNAUTHENTICATED")) await attempt.abandoned();
    throw error;
  }
  await attempt.succeeded();
  return result;
}

export async function login(context: GatewayContext, input: { email: string; password: string }): Promise<Session> {
  const response = await throttledPasswordCheck(context, { email: input.email }, () =>
    context.services.account.login(input),
  );
  return present(response.session, "session");
}

export async function refreshToken(context: GatewayContext, token: string): Promise<Session> {
  return present((await context.services.account.refreshToken({ refreshToken: token })).session, "session");
}

export async function logout(context: GatewayContext, token: string): Promise<void> {
  await context.services.account.logout({ refreshToken: token });
}

/**
 * Counts against the address's allowance of expensive anonymous operations, and against the email's (so no one can
 * flood someone's inbox from many addresses); the answer never tells whether the email has an account.
 */
export async function requestPasswordReset(context: GatewayContext, email: string): Promise<void> {
  await context.throttle.countAnonymous(context.clientIp);
  await context.throttle.countAnonymous(`password reset for ${canonicalEmail(email)}`);
  await context.services.account.requestPasswordReset({ email });
}

/** A password hash per call, so it counts like a registration. */
export async function resetPassword(
  context: GatewayContext,
  input: { token: string; newPassword: string },
): Promise<Session> {
  await context.throttle.countAnonymous(context.clientIp);
  return present((await context.services.account.resetPassword(input)).session, "session");
}

export async function requestEmailVerification(context: GatewayContext): Promise<void> {
  const viewer = requireViewer(await context.viewer());
  await context.services.account.requestEmailVerification({ accountId: viewer.accountId });
}

export async function verifyEmail(context: GatewayContext, token: string): Promise<Account> {
  await context.throttle.countAnonymous(context.clientIp);
  return present((await context.services.account.verifyEmail({ token })).account, "account");
}

/** Ends every session of the caller's own account. */
export async function logoutAll(context: GatewayContext): Promise<void> {
  const viewer = requireViewer(await context.viewer());
  await context.services.account.logoutAll({ accountId: viewer.accountId });
}

/** Admins only: the role changes and the account's access tokens are revoked. */
export async function setAccountRole(context: GatewayContext, input: { id: string; role: Role }): Promise<Account> {
  requireAdmin(await context.viewer());
  const response = await context.services.account.setRole({ accountId: requireId("id", input.id), role: input.role });
  return present(response.account, "account");
}

/** Admins only: disabling ends every session of the account. */
export async function setAccountDisabled(
  context: GatewayContext,
  input: { id: string; disabled: boolean },
): Promise<Account> {
  requireAdmin(await context.viewer());
  const response = await context.services.account.setDisabled({
    accountId: requireId("id", input.id),
    disabled: input.disabled,
  });
  return present(response.account, "account");
}

/** The caller's own account; undefined for anonymous callers. */
export async function me(context: GatewayContext): Promise<Account | undefined> {
  const viewer = await context.viewer();
  return viewer ? context.loaders.accountById.load(viewer.accountId) : undefined;
}

export async function updateProfile(
  context: GatewayContext,
  input: { name?: string; email?: string },
): Promise<Account> {
  const viewer = requireViewer(await context.viewer());
  const response = await context.services.account.updateProfile({ accountId: viewer.accountId, ...input });
  return present(response.account, "account");
}

export async function changePassword(
  context: GatewayContext,
  input: { currentPassword: string; newPassword: string },
): Promise<Session> {
  const viewer = requireViewer(await context.viewer());
  const response = await throttledPasswordCheck(context, { accountId: viewer.accountId }, () =>
    context.services.account.changePassword({ accountId: viewer.accountId, ...input }),
  );
  return present(response.session, "session");
}

// Accounts

export async function createAccount(
  context: GatewayContext,
  input: { name: string; email?: string; password?: string; role?: Role },
): Promise<Account> {
  requireAdmin(await context.viewer());
  const response = await context.services.account.createAccount({
    name: input.name,
    email: input.email ?? "",
    password: input.password ?? "",
    role: input.role ?? Role.ROLE_UNSPECIFIED,
  });
  return present(response.account, "account");
}

/** One account: its holder or an admin. NOT_FOUND when there is none. */
export async function getAccount(context: GatewayContext, id: string): Promise<Account> {
  requireAccountAccess(await context.viewer(), requireId("id", id));
  const account = await context.loaders.accountById.load(id);
  if (!account) throw notFound("ACCOUNT_NOT_FOUND", `no account with id ${id}`, "id");
  return account;
}

/**
 * Accounts newest first for an admin; a customer sees only their own account. With an id, that account as a list of
 * one (empty when it does not exist); a customer asking for someone else's is FORBIDDEN.
 */
export async function listAccounts(context: GatewayContext, page: Page, id?: string): Promise<Account[]> {
  const viewer = requireViewer(await context.viewer());
  if (id !== undefined) {
    requireAccountAccess(viewer, requireId("id", id));
    const account = await context.loaders.accountById.load(id);
    return account ? [account] : [];
  }
  if (!isAdmin(viewer)) {
    const own = await context.loaders.accountById.load(viewer.accountId);
    return own ? [own].slice(page.skip, page.skip + page.take) : [];
  }
  const accounts = (await context.services.account.listAccounts(page)).accounts;
  for (const account of accounts) context.loaders.accountById.prime(account.id, account);
  return accounts;
}

// Catalog

export async function getProduct(context: GatewayContext, id: string): Promise<Product | undefined> {
  return context.loaders.productById.load(requireId("id", id));
}

export async function listProducts(context: GatewayContext, page: Page): Promise<Product[]> {
  return (await context.services.product.listProducts(page)).products;
}

export interface ProductSearch {
  query: string;
  categoryIds: string[];
  /** ISO 4217 code of the price bounds and price facets (validated). */
  currency: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
  sort: SearchSort;
  page: Page;
}

/** Searches the catalog. Price bounds are checked here so errors name the gateway's fields (minPrice, maxPrice). */
export async function searchProducts(context: GatewayContext, search: ProductSearch): Promise<SearchProductsResponse> {
  const { minPriceCents: min, maxPriceCents: max } = search;
  if (min !== undefined && min < 0) throw invalidArgument("minPrice", "must not be negative");
  if (max !== undefined && max < 0) throw invalidArgument("maxPrice", "must not be negative");
  if (min !== undefined && max !== undefined && max < min)
    throw invalidArgument("maxPrice", "must not be below minPrice");
  return context.services.product.searchProducts({
    query: search.query,
    categoryIds: search.categoryIds,
    currency: search.currency,
    minPriceCents: search.minPriceCents,
    maxPriceCents: search.maxPriceCents,
    inStockOnly: search.inStockOnly,
    sort: search.sort,
    skip: search.page.skip,
    take: search.page.take,
  });
}

export async function createProduct(
  context: GatewayContext,
  input: {
    name: string;
    description: string;
    priceCents: number;
    currency?: string;
    categoryId?: string;
    stock?: number;
  },
): Promise<Product> {
  requireAdmin(await context.viewer());
  const response = await context.services.product.createProduct({
    name: input.name,
    description: input.description,
    priceCents: input.priceCents,
    currency: input.currency ?? "",
    categoryId: input.categoryId ?? "",
    stock: input.stock ?? 0,
  });
  return present(response.product, "product");
}

export async function updateProduct(context: GatewayContext, input: UpdateProductRequest): Promise<Product> {
  requireAdmin(await context.viewer());
  return present((await context.services.product.updateProduct(input)).product, "product");
}

export async function adjustStock(context: GatewayContext, productId: string, delta: number): Promise<Product> {
  requireAdmin(await context.viewer());
  return present((await context.services.product.adjustStock({ productId, delta })).product, "product");
}

/**
 * Admins only: stock on hand, available, held by unpaid orders and sold, per product: of the given products, or
 * without any, of the `take` products holding the most units (a hold problem shows first).
 */
export async function listStockLevels(
  context: GatewayContext,
  input: { productIds: readonly string[]; take: number },
): Promise<StockLevel[]> {
  requireAdmin(await context.viewer());
  return (await context.services.product.listStockLevels({ productIds: [...input.productIds], take: input.take }))
    .levels;
}

export async function createCategory(
  context: GatewayContext,
  input: { name: string; slug?: string; parentId?: string },
): Promise<Category> {
  requireAdmin(await context.viewer());
  const response = await context.services.product.createCategory({
    name: input.name,
    slug: input.slug ?? "",
    parentId: input.parentId ?? "",
  });
  return present(response.category, "category");
}

export async function listCategories(context: GatewayContext): Promise<Category[]> {
  const categories = (await context.services.product.listCategories({})).categories;
  for (const category of categories) context.loaders.categoryById.prime(category.id, category);
  return categories;
}

// Cart: always the caller's own.

async function ownAccountId(context: GatewayContext): Promise<string> {
  return requireViewer(await context.viewer()).accountId;
}

function cartOf(response: { cart?: Cart }): Cart {
  return present(response.cart, "cart");
}

export async function getCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.getCart({ accountId: await ownAccountId(context) }));
}

export async function addToCart(context: GatewayContext, productId: string, quantity: number): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.addCartItem({ accountId, productId, quantity }));
}

export async function setCartItemQuantity(context: GatewayContext, productId: string, quantity: number): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.setCartItemQuantity({ accountId, productId, quantity }));
}

export async function removeFromCart(context: GatewayContext, productId: string): Promise<Cart> {
  const accountId = await ownAccountId(context);
  return cartOf(await context.services.order.removeCartItem({ accountId, productId }));
}

export async function clearCart(context: GatewayContext): Promise<Cart> {
  return cartOf(await context.services.order.clearCart({ accountId: await ownAccountId(context) }));
}

// Orders

function orderOf(response: { order?: Order }): Order {
  return present(response.order, "order");
}

/** The explicit key wins over the Idempotency-Key header. */
function idempotencyKeyOf(context: GatewayContext, key: string | null | undefined): string {
  return key ?? context.idempotencyKey ?? "";
}

export async function checkout(context: GatewayContext, idempotencyKey?: string | null): Promise<Order> {
  const accountId = await ownAccountId(context);
  return orderOf(
    await context.services.order.checkout({ accountId, idempotencyKey: idempotencyKeyOf(context, idempotencyKey) }),
  );
}

export interface OrderLineInput {
  productId: string;
  quantity: number;
}

/** Places an order for an account: its holder or an admin. Every quantity must be at least 1. */
export async function placeOrder(
  context: GatewayContext,
  input: { accountId: string; lines: OrderLineInput[]; idempotencyKey?: string | null },
): Promise<Order> {
  requireAccountAccess(await context.viewer(), requireId("accountId", input.accountId));
  if (input.lines.length === 0) throw invalidArgument("lines", "must hold at least one product");
  for (const line of input.lines) {
    requireId("productId", line.productId);
    requireInteger("quantity", line.quantity, { min: 1 });
  }
  const response = await context.services.order.placeOrder({
    accountId: input.accountId,
    lines: input.lines,
    idempotencyKey: idempotencyKeyOf(context, input.idempotencyKey),
  });
  return orderOf(response);
}

/** One order: its account's holder or an admin; NOT_FOUND when there is none. */
export async function getOrder(context: GatewayContext, id: string): Promise<Order> {
  const viewer = requireViewer(await context.viewer());
  const order = orderOf(await context.services.order.getOrder({ id: requireId("id", id) }));
  requireAccountAccess(viewer, order.accountId);
  return order;
}

/** getOrder with NOT_FOUND as undefined. */
export async function findOrder(context: GatewayContext, id: string): Promise<Order | undefined> {
  return orUndefined(getOrder(context, id));
}

/** Orders newest first: of one account (its holder or an admin) or, without one, of everybody (admins only). */
export async function listOrders(context: GatewayContext, accountId: string | undefined, page: Page): Promise<Order[]> {
  const viewer = await context.viewer();
  if (accountId === undefined) requireAdmin(viewer);
  else requireAccountAccess(viewer, requireId("accountId", accountId));
  return (await context.services.order.listOrders({ accountId: accountId ?? "", ...page })).orders;
}

export async function myOrders(context: GatewayContext, page: Page): Promise<Order[]> {
  return listOrders(context, await ownAccountId(context), page);
}

export async function cancelOrder(context: GatewayContext, id: string): Promise<Order> {
  await getOrder(context, id);
  return orderOf(await context.services.order.cancelOrder({ id }));
}

export async function markFulfilled(context: GatewayContext, id: string): Promise<Order> {
  requireAdmin(await context.viewer());
  return orderOf(await context.services.order.markFulfilled({ id }));
}

/** Records a payment by hand (admins); the payment provider's webhook records them without a viewer. */
export async function recordPayment(context: GatewayContext, input: RecordPaymentRequest): Promise<Order> {
  requireAdmin(await context.viewer());
  return orderOf(await context.services.order.recordPayment(input));
}
