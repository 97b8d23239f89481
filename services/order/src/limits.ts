import { failedPrecondition, requireId, requireLineQuantity, LIMITS, type Queryable } from "@polyscale/platform";
import type { RequestedLine, UnpaidHolds, VariantLine } from "./model.js";
import * as repository from "./repository.js";

/**
 * The order service's limits: the size of a line and of an order (the shop's LIMITS, `@polyscale/platform`), and the
 * policy on what one account may hold unpaid. The rules of a line are stated once, in the platform (LIMITS,
 * requireLineQuantity, requireOrderLines); each service that takes lines applies them at its own edge: here for carts
 * and orders, and product's reserveStock (inventory.ts) again for a reservation, since a service refuses bad input
 * whoever calls it. The gateway checks only their shape.
 */

/** Most units of one variant in a cart line or an order line. */
export const MAX_LINE_QUANTITY = LIMITS.lineQuantity;
/** Most lines (distinct variants) in one order, and so in one cart (a cart must stay checkable). */
export const MAX_ORDER_PRODUCTS = LIMITS.orderProducts;

/** The shop's rules on unpaid orders (config.ts reads them from the environment). */
export interface OrderPolicy {
  /** An unpaid order expires this long after placement (ORDER_PAYMENT_TIMEOUT_SECONDS). */
  paymentWindowSeconds: number;
  /** Most unpaid orders one account may have at once (ORDER_MAX_UNPAID_PER_ACCOUNT). */
  maxUnpaidOrdersPerAccount: number;
  /**
   * Most units of one product one account may hold in unpaid orders (ORDER_MAX_HELD_UNITS_PER_PRODUCT), summed over
   * the product's variants: the limit is against hoarding what shoppers look for, and per variant it would grow with
   * the number of sizes and colours.
   */
  maxHeldUnitsPerProduct: number;
}

/**
 * A cart write's line: ids, and 1..MAX_LINE_QUANTITY units (INVALID_ARGUMENT naming the field). A line without a
 * variant id (absent or empty) names the product's default variant, whose id is the product's.
 */
export function requireCartLine(item: RequestedLine): VariantLine {
  const productId = requireId("productId", item.productId);
  return {
    productId,
    variantId: item.variantId ? requireId("variantId", item.variantId) : productId,
    quantity: requireLineQuantity("quantity", item.quantity),
  };
}

/** The units of each product over the lines (lines of two variants of one product add up). */
export function unitsByProduct(lines: readonly RequestedLine[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  return units;
}

/**
 * Refuses an order that would take the account past the policy's limits on unpaid orders (TOO_MANY_UNPAID_ORDERS)
 * and held units of a product (HOLD_LIMIT_EXCEEDED), both FAILED_PRECONDITION, before any stock is taken. Read through
 * `db` without keeping the account's holds lock: storing the order checks the limits again under it
 * (repository.insertOrderWithinHolds), and requireHoldsAllow then says why it was refused.
 */
export async function requireWithinHolds(
  db: Queryable,
  policy: OrderPolicy,
  accountId: string,
  lines: readonly RequestedLine[],
): Promise<void> {
  const holds = await repository.findUnpaidHolds(db, accountId, [...unitsByProduct(lines).keys()]);
  requireHoldsAllow(policy, holds, lines);
}

/**
 * Throws the refusal of an order of `lines` by an account holding `holds` unpaid (see requireWithinHolds); returns
 * when the policy allows it. The same comparisons as repository.insertOrderWithinHolds makes under the lock.
 */
export function requireHoldsAllow(policy: OrderPolicy, holds: UnpaidHolds, lines: readonly RequestedLine[]): void {
  const { maxUnpaidOrdersPerAccount, maxHeldUnitsPerProduct } = policy;
  if (holds.unpaidOrders >= maxUnpaidOrdersPerAccount) {
    throw failedPrecondition(
      "TOO_MANY_UNPAID_ORDERS",
      `an account may have at most ${maxUnpaidOrdersPerAccount} unpaid orders at once; pay or cancel one first`,
      "accountId",
    );
  }
  for (const [productId, units] of unitsByProduct(lines)) {
    const held = holds.unitsByProduct.get(productId) ?? 0;
    if (held + units > maxHeldUnitsPerProduct) {
      throw failedPrecondition(
        "HOLD_LIMIT_EXCEEDED",
        `an account may hold at most ${maxHeldUnitsPerProduct} units of product ${productId} (over its variants) in ` +
          `unpaid orders; it holds ${held}`,
        "quantity",
      );
    }
  }
}
