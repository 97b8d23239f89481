import {
  invalidArgument,
  normalizePage,
  recordEvents,
  requireId,
  requireIds,
  type Database,
  type EnumInput,
  type Page,
  type RequestContext,
} from "@polyscale/platform";
import { orderMoved } from "./events.js";
import { requireOrder } from "./lookups.js";
import { countOrderEvent } from "./metrics.js";
import type { AccountOrders, Order, OrderPage, OrderStatus } from "./model.js";
import { refusedTransition, requireOrderStatuses, transitionFor } from "./order-status.js";
import * as repository from "./repository.js";
import type { ReservationEffects } from "./reservation-effects.js";

/** Most accounts in one ListOrdersForAccounts call. */
const MAX_BATCH_ACCOUNTS = 1000;
/**
 * ListOrders counts the matching orders exactly up to this many; beyond, it says "at least this many". Counting reads
 * every matching index entry, so an exact count of millions of orders would cost more than the page itself.
 */
export const MAX_EXACT_ORDER_COUNT = 10_000;

/**
 * ListOrders as asked, unchecked, its filters and its page flat as the contract carries them: a status unset (the
 * contract's zero value) or undefined by it is refused.
 */
export interface ListOrdersInput extends Page {
  /** Empty for every account's orders. */
  accountId: string;
  statuses: ReadonlyArray<EnumInput<OrderStatus> | undefined>;
  createdFrom?: Date;
  createdTo?: Date;
}

export interface LifecycleServiceOptions {
  database: Database;
  /** Releases or commits the order's stock once a status move committed. */
  effects: ReservationEffects;
}

/**
 * Placed orders: reading them and moving their status by hand (cancel, fulfil). Moves that payments make are in
 * payments.ts; which moves are allowed, and what each does to the stock, is in order-status.ts.
 */
export class LifecycleService {
  constructor(private readonly options: LifecycleServiceOptions) {}

  async getOrder(id: string): Promise<Order> {
    return requireOrder(this.options.database, id, "id");
  }

  /**
   * A page of orders, newest first, with how many match over all pages (exact up to MAX_EXACT_ORDER_COUNT): of one
   * account or, with accountId empty, of all accounts; only those in one of `statuses` (empty: any) placed in
   * [createdFrom, createdTo) when given.
   * INVALID_ARGUMENT for a malformed account id, a value that is not a status (field statuses), an invalid instant,
   * createdFrom after createdTo (field createdFrom), or a negative page.
   */
  async listOrders(input: ListOrdersInput): Promise<OrderPage> {
    const { accountId, createdFrom, createdTo } = input;
    if (accountId !== "") requireId("accountId", accountId);
    const statuses = requireOrderStatuses("statuses", input.statuses);
    for (const [field, instant] of [
      ["createdFrom", createdFrom],
      ["createdTo", createdTo],
    ] as const) {
      if (instant && Number.isNaN(instant.getTime())) throw invalidArgument(field, "must be a valid instant");
    }
    if (createdFrom && createdTo && createdFrom > createdTo) {
      throw invalidArgument("createdFrom", "must not be after createdTo");
    }
    return repository.listOrders(
      this.options.database,
      { accountId: accountId === "" ? undefined : accountId, statuses, createdFrom, createdTo },
      normalizePage(input),
      MAX_EXACT_ORDER_COUNT,
    );
  }

  /** Every order of each account, in request order, with an empty list for an account without orders. */
  async listOrdersForAccounts(accountIds: readonly string[]): Promise<AccountOrders[]> {
    const ids = requireIds("accountIds", accountIds, { max: MAX_BATCH_ACCOUNTS });
    const ordersOf = new Map<string, Order[]>(ids.map((id) => [id, []]));
    for (const order of await repository.listOrdersOfAccounts(this.options.database, ids)) {
      ordersOf.get(order.accountId)!.push(order);
    }
    return accountIds.map((accountId) => ({ accountId, orders: ordersOf.get(accountId)! }));
  }

  /** Moves a pending_payment order to cancelled and releases its stock. */
  async cancelOrder(context: RequestContext, id: string): Promise<Order> {
    return this.moveOrder(context, id, "cancelled");
  }

  /** Moves a paid order to fulfilled. */
  async markFulfilled(context: RequestContext, id: string): Promise<Order> {
    return this.moveOrder(context, id, "fulfilled");
  }

  private async moveOrder(context: RequestContext, id: string, to: OrderStatus): Promise<Order> {
    const { database } = this.options;
    const order = await requireOrder(database, id, "id");
    const transition = transitionFor(order.status, to);
    const moved = await database.transaction(async (tx) => {
      if (!(await repository.updateOrderStatus(tx, id, transition.from, transition.to))) return false;
      if (transition.effect) await repository.enqueueReservationEffect(tx, id, transition.effect);
      await recordEvents(tx, [orderMoved(order, transition.from, transition.to)]);
      return true;
    });
    // Another request moved the order first; report the status it left.
    if (!moved) throw refusedTransition((await requireOrder(database, id, "id")).status, to);
    countOrderEvent(to);
    // The status change is committed; a failure of the effect is logged and retried from the queue.
    if (transition.effect) await this.options.effects.attempt(context, { orderId: id, effect: transition.effect });
    return requireOrder(database, id, "id");
  }
}
