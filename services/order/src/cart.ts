import type { ProductClient } from "@polyscale/product";
import {
  failedPrecondition,
  invalidArgument,
  newId,
  requireId,
  type Database,
  type Queryable,
  type RequestContext,
} from "@polyscale/platform";
import { cartTokenHash, newCartToken, requireCartToken } from "./cart-tokens.js";
import { cartNotFound } from "./client.js";
import type { Cart, CartLine, CartOwner, CartRefusal, RequestedLine } from "./model.js";
import { MAX_LINE_QUANTITY, MAX_ORDER_PRODUCTS, requireCartLine } from "./limits.js";
import { productsById, requireVariants, saleRefusal, variantOf } from "./lookups.js";
import * as repository from "./repository.js";

export interface CartServiceOptions {
  database: Database;
  products: ProductClient;
  /** A guest cart's token dies this long after the cart's last write (GUEST_CART_TTL_SECONDS). */
  guestCartTtlSeconds: number;
}

/** Expired guest carts deleted per statement; the sweep repeats it until fewer are due. */
const GUEST_CART_SWEEP_BATCH = 500;

const CART_LIMITS = { maxQuantity: MAX_LINE_QUANTITY, maxProducts: MAX_ORDER_PRODUCTS };

/** A cart's owner as a cart request names it (the contract's two fields); cartOwnerOf decides which it is. */
export interface CartOwnerInput {
  accountId: string;
  cartToken?: string;
}

/** AddCartItem as asked, unchecked: whose cart, and the variant and units to add. */
export interface AddCartItemInput extends RequestedLine {
  owner: CartOwner;
}

/** SetCartItemQuantity as asked, unchecked: whose cart, and the variant and its new units. */
export type SetCartItemQuantityInput = AddCartItemInput;

/** RemoveCartItem as asked, unchecked: whose cart, and the variant whose line goes. */
export interface RemoveCartItemInput extends Pick<RequestedLine, "productId" | "variantId"> {
  owner: CartOwner;
}

/** MergeGuestCart as asked, unchecked: the account whose cart takes the lines, and the guest cart's token. */
export interface MergeGuestCartInput {
  accountId: string;
  cartToken: string;
}

/** Where a write goes once its owner is resolved: the cart's id, and the token of a guest cart it created. */
interface WriteTarget {
  cartId: string;
  createdToken?: string;
}

/**
 * Carts: lines of variants and units (two variants of one product are two lines), read back with the catalog's
 * current names, SKUs, options, prices and stock. A cart is an account's, or a guest cart named by a token
 * (cart-tokens.ts) that the first add creates and hands out once; logging in merges it into the account's cart
 * (mergeGuestCart) and kills the token. Checkout (placement.ts) turns an account's cart into an order; a guest cart is
 * not checked out (checkout takes an account).
 */
export class CartService {
  constructor(private readonly options: CartServiceOptions) {}

  /**
   * The cart with current product names and the variants' SKUs, options, prices and stock, from one GetProducts call.
   * A line whose product or variant no longer exists shows an empty name, price 0 and no stock. totalCents counts the
   * lines checkout would charge: not the archived ones (shown with archived true), but those short of stock. A guest cart's token
   * that is empty reads as an empty cart (none made yet); an unknown, expired or merged one is NOT_FOUND
   * CART_NOT_FOUND (field cartToken).
   */
  async getCart(context: RequestContext, owner: CartOwner): Promise<Cart> {
    if (typeof owner === "string") return this.cartOf(context, requireId("accountId", owner), owner);
    if (owner.cartToken === "") return emptyCart("");
    const hash = cartTokenHash(requireCartToken(owner.cartToken));
    const cartId = await repository.findGuestCart(this.options.database, hash);
    if (cartId === undefined) throw cartNotFound("cartToken");
    return this.cartOf(context, cartId, "");
  }

  /**
   * Adds units of a variant to the cart (`input.variantId`; absent or empty: the product's default variant). NOT_FOUND
   * PRODUCT_NOT_FOUND or VARIANT_NOT_FOUND when the product or variant does not exist, FAILED_PRECONDITION
   * PRODUCT_ARCHIVED or VARIANT_ARCHIVED when the product or the variant is archived; the line must stay within 1..1000 units and the cart within as many
   * lines as an order may hold (FAILED_PRECONDITION CART_FULL beyond), all in one currency, the variant's
   * (FAILED_PRECONDITION CURRENCY_MISMATCH, checked under the cart lock). A guest add with an empty token creates the
   * guest cart, whose token the answer carries (Cart.cartToken), once.
   */
  async addCartItem(context: RequestContext, input: AddCartItemInput): Promise<Cart> {
    return this.putCartItem(context, input, "add");
  }

  /**
   * Sets the units of a cart line, within the same limits as addCartItem. A line whose product or variant is archived
   * may still be lowered (not raised: FAILED_PRECONDITION PRODUCT_ARCHIVED or VARIANT_ARCHIVED, as an add), so a shopper
   * can reduce it before removing it; it stays out of the cart's total either way.
   */
  async setCartItemQuantity(context: RequestContext, input: SetCartItemQuantityInput): Promise<Cart> {
    return this.putCartItem(context, input, "set");
  }

  /** Removes the line of a variant (absent or empty variantId: the product's default variant); none is no error. */
  async removeCartItem(context: RequestContext, { owner, ...item }: RemoveCartItemInput): Promise<Cart> {
    const { variantId } = requireCartLine({ ...item, quantity: 1 });
    return this.write(context, owner, "existing", (tx, cartId) => repository.removeCartItem(tx, cartId, variantId));
  }

  async clearCart(context: RequestContext, owner: CartOwner): Promise<Cart> {
    return this.write(context, owner, "existing", (tx, cartId) => repository.clearCart(tx, cartId));
  }

  /**
   * Moves the guest cart of `cartToken` into the account's cart: units of a variant in both add up, and the token is
   * dead after. All or nothing: when the merged cart would pass the cart's limits it is refused as an add would be
   * (INVALID_ARGUMENT LIMIT_EXCEEDED for a line over 1,000 units, FAILED_PRECONDITION CART_FULL or CURRENCY_MISMATCH),
   * and both carts stay as they were, the token alive. NOT_FOUND CART_NOT_FOUND (field cartToken) for an unknown,
   * expired or already merged token. Returns the account's cart.
   */
  async mergeGuestCart(context: RequestContext, { accountId, cartToken }: MergeGuestCartInput): Promise<Cart> {
    requireId("accountId", accountId);
    const hash = cartTokenHash(requireCartToken(cartToken));
    const outcome = await this.options.database.transaction((tx) =>
      repository.mergeGuestCart(tx, hash, accountId, CART_LIMITS),
    );
    if (outcome === "GUEST_CART_NOT_FOUND") throw cartNotFound("cartToken");
    if (typeof outcome !== "number") throw cartRefusal(outcome, "a line of the guest cart", "cartToken");
    return this.cartOf(context, accountId, accountId);
  }

  /** Deletes the expired guest carts with their lines, in batches; returns how many. Run by main.ts's sweep. */
  async sweepExpiredGuestCarts(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await repository.deleteExpiredGuestCarts(this.options.database, GUEST_CART_SWEEP_BATCH);
      total += deleted;
      if (deleted < GUEST_CART_SWEEP_BATCH) return total;
    }
  }

  private async putCartItem(
    context: RequestContext,
    { owner, ...item }: AddCartItemInput,
    mode: "add" | "set",
  ): Promise<Cart> {
    const valid = requireCartLine(item);
    requireOwner(owner);
    const variants = await requireVariants(context, this.options.products, [valid]);
    const { variant } = variants.get(valid.variantId)!;
    const notOnSale = saleRefusal(variants, [valid]);
    if (notOnSale && mode === "add") throw notOnSale;
    const line = { ...valid, currency: variant.currency };
    // Only an add makes a guest cart: setting a quantity needs a line, which needs a cart.
    return this.write(context, owner, mode === "add" ? "create" : "existing", async (tx, cartId) => {
      if (notOnSale) {
        // Not for sale: the line may only shrink (or stay), never grow or appear.
        if (!(await repository.lowerCartItem(tx, cartId, valid.variantId, valid.quantity))) throw notOnSale;
        return;
      }
      const outcome = await repository.putCartItem(tx, cartId, line, mode, CART_LIMITS);
      if (typeof outcome !== "number") throw cartRefusal(outcome, `the variant (${variant.currency})`, "productId");
    });
  }

  /**
   * Runs `change` on the owner's cart in one transaction and answers the cart. A guest cart is resolved by its token
   * under its row lock (repository.touchGuestCart, which also moves its expiry on), so a write racing a merge lands
   * before it or finds the cart gone (NOT_FOUND CART_NOT_FOUND); with an empty token, "create" makes a guest cart
   * (answered with its token) and "existing" answers an empty cart without writing anything.
   */
  private async write(
    context: RequestContext,
    owner: CartOwner,
    guest: "create" | "existing",
    change: (tx: Queryable, cartId: string) => Promise<unknown>,
  ): Promise<Cart> {
    requireOwner(owner);
    if (typeof owner === "string") {
      await this.options.database.transaction((tx) => change(tx, owner));
      return this.cartOf(context, owner, owner);
    }
    if (owner.cartToken === "" && guest === "existing") return emptyCart("");
    const { guestCartTtlSeconds } = this.options;
    const target = await this.options.database.transaction(async (tx): Promise<WriteTarget> => {
      let written: WriteTarget;
      if (owner.cartToken === "") {
        const token = newCartToken();
        written = { cartId: newId(), createdToken: token };
        await repository.createGuestCart(tx, written.cartId, cartTokenHash(token), guestCartTtlSeconds);
      } else {
        const cartId = await repository.touchGuestCart(tx, cartTokenHash(owner.cartToken), guestCartTtlSeconds);
        if (cartId === undefined) throw cartNotFound("cartToken");
        written = { cartId };
      }
      await change(tx, written.cartId);
      return written;
    });
    const cart = await this.cartOf(context, target.cartId, "");
    return target.createdToken === undefined ? cart : { ...cart, cartToken: target.createdToken };
  }

  /** The cart with id `cartId`, read with the catalog's current values; `accountId` is "" for a guest cart. */
  private async cartOf(context: RequestContext, cartId: string, accountId: string): Promise<Cart> {
    const items = await repository.listCartItems(this.options.database, cartId);
    if (items.length === 0) return emptyCart(accountId);
    const products = await productsById(context, this.options.products, [
      ...new Set(items.map((item) => item.productId)),
    ]);
    const lines = items.map((item): CartLine => {
      const product = products.get(item.productId);
      const variant = product && variantOf(product, item.variantId);
      const unitPriceCents = variant?.priceCents ?? 0;
      // An archived product or variant stays in the carts that hold it, shown as unavailable; checkout refuses it.
      const archived = product?.archivedAt !== undefined || variant?.archivedAt !== undefined;
      const availableStock = archived ? 0 : (variant?.stock ?? 0);
      return {
        productId: item.productId,
        variantId: item.variantId,
        quantity: item.quantity,
        name: product?.name ?? "",
        sku: variant?.sku ?? "",
        options: variant?.options ?? [],
        unitPriceCents,
        currency: variant?.currency ?? "",
        lineTotalCents: unitPriceCents * item.quantity,
        inStock: availableStock >= item.quantity,
        availableStock,
        archived,
      };
    });
    const currencies = new Set(lines.map((line) => line.currency));
    // A total across currencies means nothing; checkout refuses such a cart anyway.
    const currency = currencies.size === 1 ? [...currencies][0]! : "";
    // The total is what checkout would charge, as in Vendure and Medusa: archived lines can never be checked out, so
    // they are shown but not counted; a line short of stock is counted (it is still for sale, stock may come back,
    // and checkout names it with INSUFFICIENT_STOCK rather than charging less).
    const payable = lines.filter((line) => !line.archived);
    return {
      accountId,
      lines,
      totalCents: currency === "" ? 0 : payable.reduce((sum, line) => sum + line.lineTotalCents, 0),
      currency,
      updatedAt: new Date(Math.max(...items.map((item) => item.updatedAt.getTime()))),
    };
  }
}

/**
 * Whose cart a cart request names, from the contract's two fields: the account (accountId), or, with accountId empty,
 * the guest cart of cartToken ("" for none yet). A cart is one or the other: both named is INVALID_ARGUMENT (field
 * cartToken), refused before the caller's authorization is asked about the account.
 */
export function cartOwnerOf(request: CartOwnerInput): CartOwner {
  if (request.accountId === "") return { cartToken: request.cartToken ?? "" };
  if (request.cartToken) throw invalidArgument("cartToken", "name an account or a guest cart's token, not both");
  return request.accountId;
}

/** An owner as given: an account id, or a guest cart's token ("" for none yet). INVALID_ARGUMENT naming the field. */
function requireOwner(owner: CartOwner): void {
  if (typeof owner === "string") requireId("accountId", owner);
  else if (owner.cartToken !== "") requireCartToken(owner.cartToken);
}

function emptyCart(accountId: string): Cart {
  return { accountId, lines: [], totalCents: 0, currency: "", updatedAt: undefined };
}

/** A cart write's refusal as the error the client gets; `what` names what was refused, `field` where. */
function cartRefusal(refusal: CartRefusal, what: string, field: string) {
  if (refusal === "LINE_FULL") {
    return invalidArgument(
      "quantity",
      `the cart line would hold more than ${MAX_LINE_QUANTITY} units`,
      "LIMIT_EXCEEDED",
    );
  }
  if (refusal === "CURRENCY_MISMATCH") {
    return failedPrecondition(
      "CURRENCY_MISMATCH",
      `${what} is priced in another currency than the cart; a cart holds products of one currency`,
      field,
    );
  }
  return failedPrecondition(
    "CART_FULL",
    `a cart can hold at most ${MAX_ORDER_PRODUCTS} lines (distinct variants), as many as an order`,
    field,
  );
}
