/**
 * The two skins of the storefront parity suite (storefront-parity.e2e.test.ts): a storefront call made through GraphQL
 * or through REST answers in one shape (Answer), so the two answers compare. Here are the shapes and calls every flow
 * makes (a customer registers and fills a cart) and what the flows' own calls build on (graphqlAnswer, restAnswer,
 * the session, cart and order shapes with each skin's mapping to them); each flow's file
 * (test-storefront-<flow>.ts) adds its domain's calls, in both skins.
 */
import { graphql, rest } from "./test-gateway-e2e.js";

/** A call's outcome in the one shape both skins are compared in: the data, or the error's code, reason and field. */
export type Answer<T> = { data: T } | { error: { code?: string; reason?: string; field?: string } };

export interface SessionShape {
  account: AccountShape;
  hasAccessToken: boolean;
  hasRefreshToken: boolean;
}
export interface AccountShape {
  id: string;
  name: string;
  email: string;
  role: string;
}
export interface Tokens {
  tokens: { accessToken: string; refreshToken: string };
}
export interface OptionShape {
  name: string;
  value: string;
}
/** What a cart line and an order line both say: the product, its variant, and the units at a unit price. */
export interface LineShape {
  productId: string;
  variantId: string;
  sku: string;
  options: OptionShape[];
  name: string;
  unitPriceCents: number;
  quantity: number;
}
export interface CartShape {
  lines: Array<LineShape & { lineTotalCents: number; currency: string; inStock: boolean }>;
  totalCents: number;
  currency: string;
}
export interface OrderShape {
  id: string;
  accountId: string;
  status: string;
  totalCents: number;
  currency: string;
  lines: LineShape[];
}

/**
 * What every flow does (a customer registers and fills a cart), as one skin does it; each flow's storefront adds its
 * domain's calls.
 */
export interface Storefront {
  name: "GraphQL" | "REST";
  register(name: string, email: string, password: string): Promise<Answer<SessionShape & Tokens>>;
  /** Cart lines name a product and, optionally, one of its variants (absent: the default variant). */
  addToCart(token: string, productId: string, quantity: number, variantId?: string): Promise<Answer<CartShape>>;
  setCartItemQuantity(
    token: string,
    productId: string,
    quantity: number,
    variantId?: string,
  ): Promise<Answer<CartShape>>;
  clearCart(token: string): Promise<Answer<CartShape>>;
  cart(token: string): Promise<Answer<CartShape>>;
}

// ---- GraphQL ----

/** The answer of a GraphQL operation selecting one field, that field's data mapped, or its first error. */
export async function graphqlAnswer<Field, T>(
  query: string,
  variables: Record<string, unknown>,
  token: string | undefined,
  field: string,
  map: (data: Field) => T,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const result = await graphql<Record<string, Field>>(query, variables, token, headers);
  if (result.errors?.length) {
    const { code, reason, field: at } = result.errors[0]!.extensions ?? {};
    return { error: { code, reason, field: at } };
  }
  return { data: map(result.data![field]!) };
}

export const SESSION = `account { id name email role } accessToken refreshToken`;
const OPTIONS = `options { name value }`;
export const CART = `lines { productId variantId sku ${OPTIONS} name quantity unitPriceCents lineTotalCents currency inStock }
  totalCents currency`;
export const ORDER = `id accountId status totalCents currency
  products { id variantId sku ${OPTIONS} name priceCents quantity }`;

interface GraphQLSession {
  account: AccountShape;
  accessToken: string;
  refreshToken: string;
}
export interface GraphQLOrder extends Omit<OrderShape, "lines"> {
  products: Array<{
    id: string;
    variantId: string;
    sku: string;
    options: OptionShape[];
    name: string;
    priceCents: number;
    quantity: number;
  }>;
}

export const sessionOfGraphQL = (session: GraphQLSession): SessionShape & Tokens => ({
  account: session.account,
  hasAccessToken: session.accessToken.length > 0,
  hasRefreshToken: session.refreshToken.length > 0,
  tokens: { accessToken: session.accessToken, refreshToken: session.refreshToken },
});

export const orderOfGraphQL = ({ products, ...order }: GraphQLOrder): OrderShape => ({
  ...order,
  lines: products.map((line) => ({
    productId: line.id,
    variantId: line.variantId,
    sku: line.sku,
    options: line.options,
    name: line.name,
    unitPriceCents: line.priceCents,
    quantity: line.quantity,
  })),
});

export const graphqlStorefront: Storefront = {
  name: "GraphQL",
  register: (name, email, password) =>
    graphqlAnswer(
      `mutation($input: RegisterInput!) { register(input: $input) { ${SESSION} } }`,
      { input: { name, email, password } },
      undefined,
      "register",
      sessionOfGraphQL,
    ),
  addToCart: (token, productId, quantity, variantId) =>
    graphqlAnswer(
      `mutation($p: String!, $q: Int!, $v: String) { addToCart(productId: $p, quantity: $q, variantId: $v) { ${CART} } }`,
      { p: productId, q: quantity, v: variantId },
      token,
      "addToCart",
      (cart: CartShape) => cart,
    ),
  setCartItemQuantity: (token, productId, quantity, variantId) =>
    graphqlAnswer(
      `mutation($p: String!, $q: Int!, $v: String) {
        setCartItemQuantity(productId: $p, quantity: $q, variantId: $v) { ${CART} }
      }`,
      { p: productId, q: quantity, v: variantId },
      token,
      "setCartItemQuantity",
      (cart: CartShape) => cart,
    ),
  clearCart: (token) =>
    graphqlAnswer(`mutation { clearCart { ${CART} } }`, {}, token, "clearCart", (cart: CartShape) => cart),
  cart: (token) => graphqlAnswer(`{ cart { ${CART} } }`, {}, token, "cart", (cart: CartShape) => cart),
};

// ---- REST ----

/** The answer of a REST call: its body mapped when the status is a success, else its error. */
export async function restAnswer<Body, T>(
  method: string,
  route: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> },
  map: (body: Body) => T,
): Promise<Answer<T>> {
  const response = await rest<Body & { error?: { code: string; reason: string; field?: string } }>(
    method,
    route,
    options,
  );
  if (response.status >= 400) {
    const { code, reason, field } = response.body.error!;
    return { error: { code, reason, field } };
  }
  return { data: map(response.body) };
}

interface RestSession {
  account: AccountShape;
  accessToken: string;
  refreshToken: string;
}
export interface RestOrder extends Omit<OrderShape, "lines"> {
  lines: OrderShape["lines"];
}

export const sessionOfRest = (session: RestSession): SessionShape & Tokens => ({
  account: {
    id: session.account.id,
    name: session.account.name,
    email: session.account.email,
    role: session.account.role,
  },
  hasAccessToken: session.accessToken.length > 0,
  hasRefreshToken: session.refreshToken.length > 0,
  tokens: { accessToken: session.accessToken, refreshToken: session.refreshToken },
});

const optionsOfRest = (options: OptionShape[]): OptionShape[] => options.map(({ name, value }) => ({ name, value }));

export const cartOfRest = (cart: CartShape): CartShape => ({
  lines: cart.lines.map(
    ({ productId, variantId, sku, options, name, quantity, unitPriceCents, lineTotalCents, currency, inStock }) => ({
      productId,
      variantId,
      sku,
      options: optionsOfRest(options),
      name,
      quantity,
      unitPriceCents,
      lineTotalCents,
      currency,
      inStock,
    }),
  ),
  totalCents: cart.totalCents,
  currency: cart.currency,
});

export const orderOfRest = (order: RestOrder): OrderShape => ({
  id: order.id,
  accountId: order.accountId,
  status: order.status,
  totalCents: order.totalCents,
  currency: order.currency,
  lines: order.lines.map(({ productId, variantId, sku, options, name, unitPriceCents, quantity }) => ({
    productId,
    variantId,
    sku,
    options: optionsOfRest(options),
    name,
    unitPriceCents,
    quantity,
  })),
});

/** /cart/items/{productId}, with ?variantId= when the line is not the default variant's. */
export const cartItemPath = (productId: string, variantId?: string) =>
  `/cart/items/${encodeURIComponent(productId)}${variantId ? `?${new URLSearchParams({ variantId })}` : ""}`;

export const restStorefront: Storefront = {
  name: "REST",
  register: (name, email, password) =>
    restAnswer("POST", "/register", { body: { name, email, password } }, sessionOfRest),
  addToCart: (token, productId, quantity, variantId) =>
    restAnswer("POST", "/cart/items", { token, body: { productId, variantId, quantity } }, cartOfRest),
  setCartItemQuantity: (token, productId, quantity, variantId) =>
    restAnswer("PUT", cartItemPath(productId, variantId), { token, body: { quantity } }, cartOfRest),
  clearCart: (token) => restAnswer("DELETE", "/cart", { token }, cartOfRest),
  cart: (token) => restAnswer("GET", "/cart", { token }, cartOfRest),
};
