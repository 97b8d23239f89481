import type { AccountClient } from "@polyscale/account";
import type { ProductClient } from "@polyscale/product";
import type { Database, RequestContext } from "@polyscale/platform";
import {
  CartService,
  cartOwnerOf,
  type AddCartItemInput,
  type CartOwnerInput,
  type MergeGuestCartInput,
  type RemoveCartItemInput,
  type SetCartItemQuantityInput,
} from "./cart.js";
import { LifecycleService, type ListOrdersInput } from "./lifecycle.js";
import type { OrderPolicy } from "./limits.js";
import type { AccountOrders, Cart, CartOwner, Order, OrderPage } from "./model.js";
import { PaymentService, type RecordPaymentInput } from "./payments.js";
import { PlacementService, type CheckoutInput, type PlaceOrderInput } from "./placement.js";
import { ReservationEffects } from "./reservation-effects.js";

export interface OrderServiceOptions {
  database: Database;
  accounts: AccountClient;
  products: ProductClient;
  /** How long a request waits for a concurrent request with its idempotency key when its caller set no deadline. */
  defaultWaitMs: number;
  policy: OrderPolicy;
  /** A guest cart's token dies this long after the cart's last write (GUEST_CART_TTL_SECONDS). */
  guestCartTtlSeconds: number;
  /** Placements that run at once; the others wait their turn (ORDER_MAX_CONCURRENT_PLACEMENTS). */
  maxConcurrentPlacements: number;
}

/**
 * The business rules of carts, orders and payments, one job a file: the cart (cart.ts), placing orders as a saga
 * with each step's undo beside it (placement.ts), the payment ledger (payments.ts), the limits they check
 * (limits.ts), and reading orders and moving their status (lifecycle.ts). This class builds them from one options
 * object and delegates. Stock lives in the product service: an order reserves it (keyed by the order id) before the
 * order is stored, and the reservation is committed when the order is paid or released when it is cancelled or could
 * not be stored.
 */
export class OrderService {
  private readonly cart: CartService;
  private readonly placement: PlacementService;
  private readonly payments: PaymentService;
  private readonly lifecycle: LifecycleService;

  constructor(options: OrderServiceOptions) {
    const { database, products } = options;
    const effects = new ReservationEffects({ database, products });
    this.cart = new CartService({ database, products, guestCartTtlSeconds: options.guestCartTtlSeconds });
    this.placement = new PlacementService({ ...options, effects });
    this.payments = new PaymentService({ database, effects });
    this.lifecycle = new LifecycleService({ database, effects });
  }

  // ---- Cart (cart.ts) ----

  // A cart's owner is an account id, or a guest cart's token ({ cartToken }; see CartService).

  /** Whose cart a request's accountId and cartToken name; both is INVALID_ARGUMENT (see cartOwnerOf). */
  cartOwner(input: CartOwnerInput): CartOwner {
    return cartOwnerOf(input);
  }

  /** The cart with current product names, prices and stock. */
  getCart(context: RequestContext, owner: CartOwner): Promise<Cart> {
    return this.cart.getCart(context, owner);
  }

  /** Adds units of a variant to the cart (see CartService.addCartItem for the default variant and the limits). */
  addCartItem(context: RequestContext, input: AddCartItemInput): Promise<Cart> {
    return this.cart.addCartItem(context, input);
  }

  /** Sets the units of a cart line, within the same limits as addCartItem. */
  setCartItemQuantity(context: RequestContext, input: SetCartItemQuantityInput): Promise<Cart> {
    return this.cart.setCartItemQuantity(context, input);
  }

  /** Removes the line of a variant (the product's default variant when variantId is absent or empty). */
  removeCartItem(context: RequestContext, input: RemoveCartItemInput): Promise<Cart> {
    return this.cart.removeCartItem(context, input);
  }

  clearCart(context: RequestContext, owner: CartOwner): Promise<Cart> {
    return this.cart.clearCart(context, owner);
  }

  /** Moves a guest cart into the account's cart and kills its token (see CartService.mergeGuestCart). */
  mergeGuestCart(context: RequestContext, input: MergeGuestCartInput): Promise<Cart> {
    return this.cart.mergeGuestCart(context, input);
  }

  /** Deletes expired guest carts; returns how many (main.ts's sweep). */
  sweepExpiredGuestCarts(): Promise<number> {
    return this.cart.sweepExpiredGuestCarts();
  }

  // ---- Placing orders (placement.ts) ----

  /**
   * Places an order from the account's cart and takes those units out of the cart in the same transaction; the
   * addresses (optional; billing defaults to shipping) are stored as snapshots.
   */
  checkout(context: RequestContext, input: CheckoutInput): Promise<Order> {
    return this.placement.checkout(context, input);
  }

  /** Places an order from explicit lines; lines naming one product twice are merged. */
  placeOrder(context: RequestContext, input: PlaceOrderInput): Promise<Order> {
    return this.placement.placeOrder(context, input);
  }

  // ---- Payments (payments.ts) ----

  /** Adds a capture or refund to the order's ledger and moves the order when the sums say so. */
  recordPayment(context: RequestContext, input: RecordPaymentInput): Promise<Order> {
    return this.payments.recordPayment(context, input);
  }

  // ---- Reading orders and moving their status (lifecycle.ts) ----

  getOrder(id: string): Promise<Order> {
    return this.lifecycle.getOrder(id);
  }

  /** A page of orders newest first with the number matching (see LifecycleService.listOrders for the filter). */
  listOrders(input: ListOrdersInput): Promise<OrderPage> {
    return this.lifecycle.listOrders(input);
  }

  /** Every order of each account, in request order, with an empty list for an account without orders. */
  listOrdersForAccounts(accountIds: readonly string[]): Promise<AccountOrders[]> {
    return this.lifecycle.listOrdersForAccounts(accountIds);
  }

  /** Moves a pending_payment order to cancelled and releases its stock. */
  cancelOrder(context: RequestContext, id: string): Promise<Order> {
    return this.lifecycle.cancelOrder(context, id);
  }

  /** Moves a paid order to fulfilled. */
  markFulfilled(context: RequestContext, id: string): Promise<Order> {
    return this.lifecycle.markFulfilled(context, id);
  }
}
