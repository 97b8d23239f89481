import {
  normalizePage,
  recordEvents,
  requireId,
  requireIds,
  type Database,
  type RequestContext,
} from "@polyscale/platform";
import { orderMoved } from "./events.js";
import { requireOrder } from "./lookups.js";
import { countOrderEvent } from "./metrics.js";
import type { Order } from "./model.js";
import { refusedTransition, transitionFor, type OrderStatus } from "./order-status.js";
import * as repository from "./repository.js";
import type { ReservationEffects } from "./reservation-effects.js";

/** Most accounts in one ListOrdersForAccounts call. */
const MAX_BATCH_ACCOUNTS = 1000;

export interface OrdersServiceOptions {
  database: Database;
  /** Releases or commits the order's stock once a status move committed. */
  effects: ReservationEffects;
}

/**
 * Placed orders: reading them and moving their status by hand (cancel, fulfil). Moves that payments make are in
 * payments.ts; which moves are allowed, and what each does to the stock, is in order-status.ts.
 */
export class OrdersService {
  constructor(private readonly options: OrdersServiceOptions) {}

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
    if (transition.effect) await this.options.effects.attempt(context, context.logger, id, transition.effect);
    return requireOrder(database, id);
  }
}
