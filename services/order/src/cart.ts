import type { ProductClient } from "@polyscale/product";
import {
  failedPrecondition,
  invalidArgument,
  requireId,
  type Database,
  type RequestContext,
} from "@polyscale/platform";
import type { Cart, CartLine, RequestedLine } from "./model.js";
import { MAX_LINE_QUANTITY, MAX_ORDER_PRODUCTS, requireCartLine } from "./limits.js";
import { productsById, requireVariantsOnSale, variantOf } from "./lookups.js";
import * as repository from "./repository.js";

export interface CartServiceOptions {
  database: Database;
  products: ProductClient;
}

/**
 * An account's cart: lines of variants and units (two variants of one product are two lines), read back with the
 * catalog's current names, SKUs, options, prices and stock. Checkout (placement.ts) turns it into an order.
 */
export class CartService {
  constructor(private readonly options: CartServiceOptions) {}

  /**
   * The cart with current product names and the variants' SKUs, options, prices and stock, from one GetProducts call.
   * A line whose product or variant no longer exists shows an empty name, price 0 and no stock.
   */
  async getCart(context: RequestContext, accountId: string): Promise<Cart> {
    requireId("accountId", accountId);
    const items = await repository.listCartItems(this.options.database, accountId);
    if (items.length === 0) return { accountId, lines: [], totalCents: 0, currency: "", updatedAt: undefined };
    const products = await productsById(context, this.options.products, [
      ...new Set(items.map((item) => item.productId)),
    ]);
    const lines = items.map((item): CartLine => {
      const product = products.get(item.productId);
      const variant = product && variantOf(product, item.variantId);
      const unitPriceCents = variant?.priceCents ?? 0;
      // An archived product stays in the carts that hold it, shown as unavailable; checkout refuses it.
      const archived = product?.archivedAt !== undefined;
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
    return {
      accountId,
      lines,
      totalCents: currency === "" ? 0 : lines.reduce((sum, line) => sum + line.lineTotalCents, 0),
      currency,
      updatedAt: new Date(Math.max(...items.map((item) => item.updatedAt.getTime()))),
    };
  }

  /**
   * Adds units of a variant to the cart (`item.variantId`; absent or empty: the product's default variant). NOT_FOUND
   * PRODUCT_NOT_FOUND or VARIANT_NOT_FOUND when the product or variant does not exist, FAILED_PRECONDITION
   * PRODUCT_ARCHIVED when the product is archived; the line must stay within 1..1000 units and the cart within as many
   * lines as an order may hold (FAILED_PRECONDITION CART_FULL beyond), all in one currency, the variant's
   * (FAILED_PRECONDITION CURRENCY_MISMATCH, checked under the cart lock).
   */
  async addCartItem(context: RequestContext, accountId: string, item: RequestedLine): Promise<Cart> {
    return this.putCartItem(context, accountId, item, "add");
  }

  /** Sets the units of a cart line, within the same limits as addCartItem. */
  async setCartItemQuantity(context: RequestContext, accountId: string, item: RequestedLine): Promise<Cart> {
    return this.putCartItem(context, accountId, item, "set");
  }

  /** Removes the line of a variant (absent or empty variantId: the product's default variant); none is no error. */
  async removeCartItem(
    context: RequestContext,
    accountId: string,
    item: Pick<RequestedLine, "productId" | "variantId">,
  ): Promise<Cart> {
    const { variantId } = requireCartLine(accountId, { ...item, quantity: 1 });
    await repository.removeCartItem(this.options.database, accountId, variantId);
    return this.getCart(context, accountId);
  }

  async clearCart(context: RequestContext, accountId: string): Promise<Cart> {
    requireId("accountId", accountId);
    await repository.clearCart(this.options.database, accountId);
    return this.getCart(context, accountId);
  }

  private async putCartItem(
    context: RequestContext,
    accountId: string,
    item: RequestedLine,
    mode: "add" | "set",
  ): Promise<Cart> {
    const valid = requireCartLine(accountId, item);
    const { variant } = (await requireVariantsOnSale(context, this.options.products, [valid])).get(valid.variantId)!;
    const limits = { maxQuantity: MAX_LINE_QUANTITY, maxProducts: MAX_ORDER_PRODUCTS };
    const line = { ...valid, currency: variant.currency };
    const outcome = await this.options.database.transaction((tx) =>
      repository.putCartItem(tx, accountId, line, mode, limits),
    );
    if (outcome === "LINE_FULL") {
      throw invalidArgument(
        "quantity",
        `the cart line would hold more than ${MAX_LINE_QUANTITY} units`,
        "LIMIT_EXCEEDED",
      );
    }
    if (outcome === "CURRENCY_MISMATCH") {
      throw failedPrecondition(
        "CURRENCY_MISMATCH",
        `the variant is priced in ${variant.currency}; a cart holds products of one currency`,
        "productId",
      );
    }
    if (outcome === "CART_FULL") {
      throw failedPrecondition(
        "CART_FULL",
        `a cart can hold at most ${MAX_ORDER_PRODUCTS} lines (distinct variants), as many as an order`,
        "productId",
      );
    }
    return this.getCart(context, accountId);
  }
}
