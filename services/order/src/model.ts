import type { PostalAddress } from "@polyscale/platform";
import type { Product, Variant } from "@polyscale/product";

/** The order service's own types; server.ts converts them to and from the generated proto messages. */

/** An order's statuses; which may follow which, and what each change does to the stock, is order-status.ts. */
export const ORDER_STATUSES = ["pending_payment", "paid", "fulfilled", "cancelled", "refunded", "expired"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What a status change does to the order's stock reservation in the product service (stored in pending_reservation_effects). */
export type ReservationEffect = "commit_reservation" | "release_reservation";

/** A line's product and the variant of it the line names (the product service's types). */
export interface ProductVariant {
  product: Product;
  variant: Variant;
}

/** One option value of a variant, e.g. name "Size", value "M". */
export interface VariantOption {
  name: string;
  value: string;
}

export interface CartLine {
  productId: string;
  /** The variant in the cart: the product's default variant (id = productId) unless another was chosen. */
  variantId: string;
  quantity: number;
  /** Current catalog values, not snapshots: the product's name, the variant's SKU, options, price and currency. */
  name: string;
  sku: string;
  options: VariantOption[];
  unitPriceCents: number;
  currency: string;
  lineTotalCents: number;
  /** Whether the variant's available stock covers the quantity; false when the product or variant is archived. */
  inStock: boolean;
  /** The variant's units available to sell; 0 when the product or variant is archived. */
  availableStock: number;
  /**
   * The product or the variant is archived (off sale): the line stays, but checkout refuses it (PRODUCT_ARCHIVED,
   * VARIANT_ARCHIVED) until removed or restored.
   */
  archived: boolean;
}

/**
 * Whose cart: an account's, by its id, or a guest cart's, by the token its first add handed out ("" before there is
 * one: an add then creates it).
 */
export type CartOwner = string | { cartToken: string };

export interface Cart {
  /** "" for a guest cart. */
  accountId: string;
  lines: CartLine[];
  totalCents: number;
  /** Empty for an empty cart, and for a cart whose products no longer share one currency. */
  currency: string;
  /** When a line last changed; undefined for an empty cart. */
  updatedAt: Date | undefined;
  /** Only on the answer of the add that created a guest cart: its token, which nothing else will tell again. */
  cartToken?: string;
}

/** A product (a variant of it, when named) and quantity asked for, before anything is known about the product. */
export interface RequestedLine {
  productId: string;
  /** Absent or empty: the product's default variant, whose id is the product's. */
  variantId?: string;
  quantity: number;
}

/** A requested line once checked: the variant is always named (the default variant's id is the product's). */
export type VariantLine = Required<RequestedLine>;

/** A snapshot of the product and its variant as they were when the order was placed. */
export interface OrderLine {
  productId: string;
  variantId: string;
  /** '' on lines placed before order lines recorded SKUs (sql/240). */
  sku: string;
  options: VariantOption[];
  name: string;
  description: string;
  unitPriceCents: number;
  quantity: number;
  lineTotalCents: number;
}

export const PAYMENT_KINDS = ["capture", "refund"] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

export interface Payment {
  id: string;
  orderId: string;
  kind: PaymentKind;
  amountCents: number;
  currency: string;
  provider: string;
  providerReference: string;
  createdAt: Date;
}

export interface Order {
  id: string;
  accountId: string;
  status: OrderStatus;
  lines: OrderLine[];
  totalCents: number;
  currency: string;
  payments: Payment[];
  createdAt: Date;
  updatedAt: Date;
  /** When an unpaid order expires; null only for orders that had left pending_payment before windows existed. */
  paymentDueAt: Date | null;
  /** Snapshots taken at placement (OrderAddresses). */
  shippingAddress: PostalAddress | null;
  billingAddress: PostalAddress | null;
}

/** An order's addresses as stored: snapshots, null when the order has none; billing defaults to shipping. */
export interface OrderAddresses {
  shippingAddress: PostalAddress | null;
  billingAddress: PostalAddress | null;
}

/** Which orders a list holds; a condition left undefined (or no statuses) matches every order. */
export interface OrderFilter {
  accountId?: string;
  /** Any of these; empty means every status. */
  statuses: readonly OrderStatus[];
  /** Placed at or after this instant. */
  createdFrom?: Date;
  /** Placed before this instant. */
  createdTo?: Date;
}

/** One page of a list of orders, newest first, and how many orders match over all pages. */
export interface OrderPage {
  orders: Order[];
  /** Exact up to the count limit (lifecycle.ts, MAX_EXACT_ORDER_COUNT); beyond it, the limit. */
  totalCount: number;
  totalCountIsExact: boolean;
}

/** The orders of one account (ListOrdersForAccounts), newest first. */
export interface AccountOrders {
  accountId: string;
  orders: Order[];
}

/** A cart line as stored, before the catalog's current values are joined to it. */
export interface CartItem {
  productId: string;
  variantId: string;
  quantity: number;
  updatedAt: Date;
}

/** Why a cart write changed nothing: the line would pass its unit limit, the cart its line limit, or one currency. */
export type CartRefusal = "LINE_FULL" | "CART_FULL" | "CURRENCY_MISMATCH";

/** An order as placed, before the database gives it its times. */
export interface NewOrder extends OrderAddresses {
  id: string;
  accountId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  lines: readonly OrderLine[];
  /** The order expires unpaid this many seconds after it is stored (by the database clock, as the sweep reads it). */
  paymentWindowSeconds: number;
}

/**
 * What one account holds unpaid: its number of unpaid orders and, for the given products, the units in them over all
 * of each product's variants (the hold limit is per product: limits.ts).
 */
export interface UnpaidHolds {
  unpaidOrders: number;
  unitsByProduct: Map<string, number>;
}

/** What storing an order came to: stored with its event, or refused (nothing written) by the holds it would exceed. */
export type OrderStorage = { kind: "stored"; order: Order } | { kind: "overHolds"; holds: UnpaidHolds };

/** An effect on an order's stock reservation, decided and queued (pending_reservation_effects). */
export interface QueuedReservationEffect {
  orderId: string;
  effect: ReservationEffect;
}

/** A queued effect on an order's stock reservation and how often it was tried. */
export interface PendingReservationEffect extends QueuedReservationEffect {
  attempts: number;
}

/** The request that holds an idempotency key, and the id its order is stored under. */
export interface IdempotencyClaim {
  accountId: string;
  key: string;
  requestFingerprint: string;
  orderId: string;
}

export type NewPayment = Omit<Payment, "createdAt">;
