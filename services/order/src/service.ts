import type { AccountClient } from "@polyscale/account";
import type { ProductClient } from "@polyscale/product";
import {
  normalizePage,
  recordEvents,
  requireId,
  requireIds,
  type Database,
  type RequestContext,
} from "@polyscale/platform";
import { CartService } from "./cart.js";
import { orderMoved } from "./events.js";
import type { OrderPolicy } from "./limits.js";
import { requireOrder } from "./lookups.js";
import { countOrderEvent } from "./metrics.js";
import type { Cart, Order, RequestedLine } from "./model.js";
import { refusedTransition, transitionFor, type OrderStatus } from "./order-status.js";
import { PaymentService, type RecordPaymentRequest } from "./payments.js";
import { PlacementService } from "./placement.js";
import * as repository from "./repository.js";
import { ReservationEffects } from "./reservation-effects.js";

/** Most accounts in one ListOrdersForAccounts call. */
const MAX_BATCH_ACCOUNTS = 1000;

export interface OrderServiceOptions {
  database: Database;
  accounts: AccountClient;
  products: ProductClient;
  /** How long a request waits for a concurrent request with its idempotency key when its caller set no deadline. */
  defaultWaitMs: number;
  policy: OrderPolicy;
}

/**
 * The business rules of carts, orders and payments, one job a file: the cart (cart.ts), placing orders as a saga
 * with each step's undo beside it (placement.ts), the payment ledger (payments.ts) and the limits they check
 * (limits.ts). This class builds them from one options object and keeps the order reads and status moves. Stock lives
 * in the product service: an order reserves it (keyed by the order id) before the order is stored, and the
 * reservation is committed when the order is paid or released when it is cancelled or could not be stored.
 */
export class OrderService {
  private readonly effects: ReservationEffects;
  private readonly cart: CartService;
  private readonly placement: PlacementService;
  private readonly payments: PaymentService;

  constructor(private readonly options: OrderServiceOptions) {
    const { database, products } = options;
    this.effects = new ReservationEffects({ database, products });
    this.cart = new CartService({ database, products });
    this.placement = new PlacementService({ ...options, effects: this.effects });
    this.payments = new PaymentService({ database, effects: this.effects });
  }

  // ---- Cart (cart.ts) ----

  /** The cart with current product names, prices and stock. */
  getCart(context: RequestContext, accountId: string): Promise<Cart> {
    return this.cart.getCart(context, accountId);
  }

  /** Adds units of a product to the cart (see CartService.addCartItem for the limits). */
  addCartItem(context: RequestContext, accountId: string, item: RequestedLine): Promise<Cart> {
    return this.cart.addCartItem(context, accountId, item);
  }

  /** Sets the units of a cart line, within the same limits as addCartItem. */
  setCartItemQuantity(context: RequestContext, accountId: string, item: RequestedLine): Promise<Cart> {
    return this.cart.setCartItemQuantity(context, accountId, item);
  }

  removeCartItem(context: RequestContext, accountId: string, productId: string): Promise<Cart> {
    return this.cart.removeCartItem(context, accountId, productId);
  }

  clearCart(context: RequestContext, accountId: string): Promise<Cart> {
    return this.cart.clearCart(context, accountId);
  }

  // ---- Placing orders (placement.ts) ----

  /** Places an order from the account's cart and takes those units out of the cart in the same transaction. */
  checkout(context: RequestContext, accountId: string, idempotencyKey: string): Promise<Order> {
    return this.placement.checkout(context, accountId, idempotencyKey);
  }

  /** Places an order from explicit lines; lines naming one product twice are merged. */
  placeOrder(
    context: RequestContext,
    accountId: string,
    lines: readonly RequestedLine[],
    idempotencyKey: string,
  ): Promise<Order> {
    return this.placement.placeOrder(context, accountId, lines, idempotencyKey);
  }

  // ---- Payments (payments.ts) ----

  /** Adds a capture or refund to the order's ledger and moves the order when the sums say so. */
  recordPayment(context: RequestContext, request: RecordPaymentRequest): Promise<Order> {
    return this.payments.recordPayment(context, request);
  }

  // ---- Orders ----

  async getOrder(id: string): Promise<Order> {
    requireId("id", id);
    return requireOrder(this.options.database, id);
  }

  /** Newest first, of one account or, with accountId empty, of all accounts. */
  async listOrders(accountId: string, page: { skip: number; take: number }): Promise<Order[]> {
    if (accountId !== "") requireId("accountId", accountId);
    return repository.listOrders(this.options.database, accountId === "" ? undefined : accountId, normalizePage(page));
  }

  /** Every order of each account, in request order, with an empty list for an account without orders. */
  async listOrdersForAccounts(accountIds: readonly string[]): Promise<Array<{ accountId: string; orders: Order[] }>> {
    const ids = requireIds("accountIds", accountIds, { max: MAX_BATCH_ACCOUNTS });
    const ordersOf = new Map<string, Order[]>(ids.map((id) => [id, []]));
    for (const order of await repository.listOrdersOfAccounts(this.options.database, ids)) {
      ordersOf.get(order.accountId)!.push(order);
    }
    return accountIds.map((accountId) => ({ accountId, orders: ordersOf.get(accountId)! }));
  }

  /** Moves a PENDING_PAYMENT order to CANCELLED and releases its stock. */
  async cancelOrder(context: RequestContext, id: string): Promise<Order> {
    return this.moveOrder(context, id, "CANCELLED");
  }

  /** Moves a PAID order to FULFILLED. */
  async markFulfilled(context: RequestContext, id: string): Promise<Order> {
    return this.moveOrder(context, id, "FULFILLED");
  }

  private async moveOrder(context: RequestContext, id: string, to: OrderStatus): Promise<Order> {
    const { database } = this.options;
    requireId("id", id);
    const order = await requireOrder(database, id);
    const transition = transitionFor(order.status, to);
    const moved = await database.transaction(async (tx) => {
      if (!(await repository.updateOrderStatus(tx, id, transition.from, transition.to))) return false;
      if (transition.effect) await repository.enqueueReservationEffect(tx, id, transition.effect);
      await recordEvents(tx, [orderMoved(order, transition.from, transition.to)]);
      return true;
    });
    // Another request moved the order first; report the status it left.
    if (!moved) throw refusedTransition((await requireOrder(database, id)).status, to);
    countOrderEvent(to);
    // The status change is committed; a failure of the effect is logged and retried from the queue.
    if (transition.effect) await this.effects.attempt(context, context.logger, id, transition.effect);
    return requireOrder(database, id);
  }
}
