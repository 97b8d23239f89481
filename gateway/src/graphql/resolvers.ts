import { GraphQLScalarType, Kind } from "graphql";
import { GraphQLSafeInt } from "graphql-scalars";
import { invalidArgument, requireCurrency } from "@polyscale/platform";
import { Role, type Account, type Session } from "@polyscale/account";
import {
  OrderStatus,
  PaymentKind,
  type Cart,
  type CartLine,
  type Order,
  type OrderLine,
  type Payment,
  type RecordPaymentRequest,
} from "@polyscale/order";
import {
  SearchSort,
  type Category,
  type CategoryFacet,
  type PriceBucketFacet,
  type Product,
  type SearchProductsResponse,
  type StockLevel,
} from "@polyscale/product";
import type { GatewayContext } from "../context.js";
import * as domain from "../domain/index.js";
import { withGraphQLErrors } from "./errors.js";
import { centsOf, decimalOf, priceCentsOf } from "./money.js";

/** The context every resolver receives: the gateway's per-request context. */
export interface GraphQLContext {
  gateway: GatewayContext;
}

type Maybe<T> = T | null | undefined;
type Pagination = Maybe<domain.PageInput>;

/** GraphQL sends null for an explicit null; the services' optional fields want undefined. */
function defined<T>(value: Maybe<T>): T | undefined {
  return value ?? undefined;
}

export const TimeScalar = new GraphQLScalarType<Date, string>({
  name: "Time",
  description: "An instant, as an RFC 3339 string.",
  serialize(value) {
    if (!(value instanceof Date)) throw new TypeError("Time must be a Date");
    return value.toISOString();
  },
  parseValue(value) {
    return parseTime(value);
  },
  parseLiteral(node) {
    return parseTime(node.kind === Kind.STRING ? node.value : undefined);
  },
});

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(value: unknown): Date {
  const date = typeof value === "string" && RFC_3339.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalidArgument("time", "must be an RFC 3339 date-time");
  return date;
}

export interface ProductInput {
  name: string;
  description: string;
  price: number;
  currency?: Maybe<string>;
  categoryId?: Maybe<string>;
  stock?: Maybe<number>;
}

/**
 * createProduct's input as the product service takes it: the decimal price becomes minor units of its currency, which
 * is `defaultCurrency` (DEFAULT_CURRENCY) when the client names none; it is then sent explicitly, so the exponent used
 * here and the currency stored always agree.
 */
export function productCreationOf(input: ProductInput, defaultCurrency: string) {
  const currency = requireCurrency("currency", input.currency ?? defaultCurrency);
  return {
    name: input.name,
    description: input.description,
    priceCents: priceCentsOf("price", input.price, currency)!,
    currency,
    categoryId: defined(input.categoryId),
    stock: defined(input.stock),
  };
}

export interface SearchArguments {
  query?: Maybe<string>;
  filter?: Maybe<{
    categoryIds?: Maybe<string[]>;
    minPrice?: Maybe<number>;
    maxPrice?: Maybe<number>;
    inStockOnly?: Maybe<boolean>;
    currency?: Maybe<string>;
  }>;
  sort?: Maybe<SearchSort>;
  pagination?: Pagination;
}

/** The currency of search price bounds and price facets: the filter's, else `defaultCurrency`. */
export function searchCurrencyOf(args: SearchArguments, defaultCurrency: string): string {
  return requireCurrency("currency", args.filter?.currency ?? defaultCurrency);
}

/** searchProducts' arguments as the product service takes them: decimal price bounds become minor units. */
export function productSearchOf(args: SearchArguments, currency: string): domain.ProductSearch {
  return {
    query: args.query ?? "",
    categoryIds: args.filter?.categoryIds ?? [],
    currency,
    minPriceCents: centsOf("minPrice", args.filter?.minPrice, currency),
    maxPriceCents: centsOf("maxPrice", args.filter?.maxPrice, currency),
    inStockOnly: args.filter?.inStockOnly ?? false,
    sort: args.sort ?? SearchSort.SEARCH_SORT_UNSPECIFIED,
    page: domain.pageOf(args.pagination),
  };
}

/** A search's answer with the currency of its price bounds and facets. */
type SearchResult = SearchProductsResponse & { currency: string };
type PricedBucket = PriceBucketFacet & { currency: string };

/** A Query or Mutation field: only its arguments and the gateway context matter. */
function root<Args, Result>(resolve: (args: Args, gateway: GatewayContext) => Result) {
  return (_: unknown, args: Args, context: GraphQLContext) => resolve(args, context.gateway);
}

const Query = {
  accounts: root((args: { pagination?: Pagination; id?: Maybe<string> }, gateway) =>
    domain.listAccounts(gateway, domain.pageOf(args.pagination), defined(args.id)),
  ),
  products: root(async (args: { pagination?: Pagination; query?: Maybe<string>; id?: Maybe<string> }, gateway) => {
    const page = domain.pageOf(args.pagination);
    if (args.id !== null && args.id !== undefined) {
      const product = await domain.getProduct(gateway, args.id);
      return product ? [product] : [];
    }
    if (args.query) {
      const search = {
        ...productSearchOf({}, gateway.defaultCurrency),
        query: args.query,
        sort: SearchSort.SEARCH_SORT_RELEVANCE,
        page,
      };
      return (await domain.searchProducts(gateway, search)).products;
    }
    return domain.listProducts(gateway, page);
  }),
  me: root((_: unknown, gateway) => domain.me(gateway)),
  product: root((args: { id: string }, gateway) => domain.getProduct(gateway, args.id)),
  searchProducts: root(async (args: SearchArguments, gateway): Promise<SearchResult> => {
    const currency = searchCurrencyOf(args, gateway.defaultCurrency);
    return { ...(await domain.searchProducts(gateway, productSearchOf(args, currency))), currency };
  }),
  categories: root((_: unknown, gateway) => domain.listCategories(gateway)),
  cart: root((_: unknown, gateway) => domain.getCart(gateway)),
  order: root((args: { id: string }, gateway) => domain.findOrder(gateway, args.id)),
  myOrders: root((args: { pagination?: Pagination }, gateway) =>
    domain.myOrders(gateway, domain.pageOf(args.pagination)),
  ),
  orders: root((args: { accountId?: Maybe<string>; pagination?: Pagination }, gateway) =>
    domain.listOrders(gateway, defined(args.accountId), domain.pageOf(args.pagination)),
  ),
  stockLevels: root((args: { productIds?: Maybe<string[]>; take?: Maybe<number> }, gateway) =>
    domain.listStockLevels(gateway, { productIds: args.productIds ?? [], take: args.take ?? 0 }),
  ),
};

interface AccountInput {
  name: string;
  email?: Maybe<string>;
  password?: Maybe<string>;
  role?: Maybe<Role>;
}

interface OrderInput {
  accountId: string;
  products: Array<{ id: string; quantity: number }>;
}

interface UpdateProductInput {
  name?: Maybe<string>;
  description?: Maybe<string>;
  price?: Maybe<number>;
  currency?: Maybe<string>;
  categoryId?: Maybe<string>;
}

const Mutation = {
  createAccount: root(({ account }: { account: AccountInput }, gateway) =>
    domain.createAccount(gateway, {
      name: account.name,
      email: defined(account.email),
      password: defined(account.password),
      role: defined(account.role),
    }),
  ),
  createProduct: root(({ product }: { product: ProductInput }, gateway) =>
    domain.createProduct(gateway, productCreationOf(product, gateway.defaultCurrency)),
  ),
  createOrder: root(({ order, idempotencyKey }: { order: OrderInput; idempotencyKey?: Maybe<string> }, gateway) =>
    domain.placeOrder(gateway, {
      accountId: order.accountId,
      lines: order.products.map((line) => ({ productId: line.id, quantity: line.quantity })),
      idempotencyKey,
    }),
  ),
  register: root(({ input }: { input: { name: string; email: string; password: string } }, gateway) =>
    domain.register(gateway, input),
  ),
  login: root((args: { email: string; password: string }, gateway) => domain.login(gateway, args)),
  refreshToken: root((args: { refreshToken: string }, gateway) => domain.refreshToken(gateway, args.refreshToken)),
  logout: root(async (args: { refreshToken: string }, gateway) => {
    await domain.logout(gateway, args.refreshToken);
    return true;
  }),
  updateProfile: root(({ input }: { input: { name?: Maybe<string>; email?: Maybe<string> } }, gateway) =>
    domain.updateProfile(gateway, { name: defined(input.name), email: defined(input.email) }),
  ),
  requestPasswordReset: root(async (args: { email: string }, gateway) => {
    await domain.requestPasswordReset(gateway, args.email);
    return true;
  }),
  resetPassword: root((args: { token: string; newPassword: string }, gateway) => domain.resetPassword(gateway, args)),
  requestEmailVerification: root(async (_args: unknown, gateway) => {
    await domain.requestEmailVerification(gateway);
    return true;
  }),
  verifyEmail: root((args: { token: string }, gateway) => domain.verifyEmail(gateway, args.token)),
  logoutAll: root(async (_args: unknown, gateway) => {
    await domain.logoutAll(gateway);
    return true;
  }),
  setAccountRole: root((args: { id: string; role: Role }, gateway) => domain.setAccountRole(gateway, args)),
  setAccountDisabled: root((args: { id: string; disabled: boolean }, gateway) =>
    domain.setAccountDisabled(gateway, args),
  ),
  changePassword: root((args: { currentPassword: string; newPassword: string }, gateway) =>
    domain.changePassword(gateway, args),
  ),
  updateProduct: root(async ({ id, input }: { id: string; input: UpdateProductInput }, gateway) => {
    const currency = input.currency == null ? undefined : requireCurrency("currency", input.currency);
    // A new price without a new currency is in the product's current one.
    const priceCurrency =
      input.price == null
        ? gateway.defaultCurrency
        : (currency ?? (await domain.getProduct(gateway, id))?.currency ?? gateway.defaultCurrency);
    return domain.updateProduct(gateway, {
      id,
      name: defined(input.name),
      description: defined(input.description),
      priceCents: priceCentsOf("price", input.price, priceCurrency),
      currency,
      categoryId: defined(input.categoryId),
    });
  }),
  adjustStock: root((args: { productId: string; delta: number }, gateway) =>
    domain.adjustStock(gateway, args.productId, args.delta),
  ),
  createCategory: root(
    ({ input }: { input: { name: string; slug?: Maybe<string>; parentId?: Maybe<string> } }, gateway) =>
      domain.createCategory(gateway, {
        name: input.name,
        slug: defined(input.slug),
        parentId: defined(input.parentId),
      }),
  ),
  addToCart: root((args: { productId: string; quantity: number }, gateway) =>
    domain.addToCart(gateway, args.productId, args.quantity),
  ),
  setCartItemQuantity: root((args: { productId: string; quantity: number }, gateway) =>
    domain.setCartItemQuantity(gateway, args.productId, args.quantity),
  ),
  removeFromCart: root((args: { productId: string }, gateway) => domain.removeFromCart(gateway, args.productId)),
  clearCart: root((_: unknown, gateway) => domain.clearCart(gateway)),
  checkout: root((args: { idempotencyKey?: Maybe<string> }, gateway) => domain.checkout(gateway, args.idempotencyKey)),
  cancelOrder: root((args: { id: string }, gateway) => domain.cancelOrder(gateway, args.id)),
  recordPayment: root(({ input }: { input: RecordPaymentRequest }, gateway) => domain.recordPayment(gateway, input)),
  markFulfilled: root((args: { id: string }, gateway) => domain.markFulfilled(gateway, args.id)),
};

const categoryOf = (id: string, { gateway }: GraphQLContext) =>
  id === "" ? null : gateway.loaders.categoryById.load(id);

const types = {
  Account: {
    orders: (account: Account, _: unknown, { gateway }: GraphQLContext) =>
      gateway.loaders.ordersByAccountId.load(account.id),
  },
  Category: {
    parent: (category: Category, _: unknown, context: GraphQLContext) => categoryOf(category.parentId, context),
  },
  Product: {
    price: (product: Product) => decimalOf(product.priceCents, product.currency),
    category: (product: Product, _: unknown, context: GraphQLContext) => categoryOf(product.categoryId, context),
    inStock: (product: Product) => product.stock > 0,
  },
  ProductSearchResult: {
    items: (result: SearchResult) => result.products,
    facets: (result: SearchResult) => result,
  },
  SearchFacets: {
    categories: (result: SearchResult) => result.categoryFacets,
    // A bucket's decimal bounds need the currency the search was made in.
    priceBuckets: (result: SearchResult) =>
      result.priceFacets.map((bucket) => ({ ...bucket, currency: result.currency })),
  },
  CategoryFacet: {
    category: (facet: CategoryFacet, _: unknown, context: GraphQLContext) => categoryOf(facet.categoryId, context),
  },
  PriceBucketFacet: {
    min: (bucket: PricedBucket) => decimalOf(bucket.minCents, bucket.currency),
    max: (bucket: PricedBucket) => (bucket.maxCents === undefined ? null : decimalOf(bucket.maxCents, bucket.currency)),
  },
  Cart: {
    // An empty cart has no currency, and so no exponent: its total is 0 in any.
    total: (cart: Cart) => (cart.currency === "" ? 0 : decimalOf(cart.totalCents, cart.currency)),
  },
  CartLine: {
    product: (line: CartLine, _: unknown, { gateway }: GraphQLContext) =>
      gateway.loaders.productById.load(line.productId),
    unitPrice: (line: CartLine) => decimalOf(line.unitPriceCents, line.currency),
    lineTotal: (line: CartLine) => decimalOf(line.lineTotalCents, line.currency),
  },
  StockLevel: {
    product: (level: StockLevel, _: unknown, { gateway }: GraphQLContext) =>
      gateway.loaders.productById.load(level.productId),
  },
  Order: {
    totalPrice: (order: Order) => decimalOf(order.totalCents, order.currency),
    // A line's decimal price needs the order's currency.
    products: (order: Order) => order.lines.map((line) => ({ ...line, currency: order.currency })),
  },
  OrderedProduct: {
    id: (line: OrderLine) => line.productId,
    price: (line: OrderLine & { currency: string }) => decimalOf(line.unitPriceCents, line.currency),
    priceCents: (line: OrderLine) => line.unitPriceCents,
  },
  Payment: {
    amount: (payment: Payment) => decimalOf(payment.amountCents, payment.currency),
  },
  AuthPayload: {
    account: (session: Session) => session.account,
  },
};

/** The resolver map: proto enums map onto the schema's enum names, so messages pass through unchanged. */
export const resolvers = {
  Time: TimeScalar,
  SafeInt: GraphQLSafeInt,
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
  ...withGraphQLErrors({ Query, Mutation, ...types }),
};
