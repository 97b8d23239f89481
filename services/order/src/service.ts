import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AccountClient } from "@polyscale/account";
import type { Product, ProductClient } from "@polyscale/product";
import {
  AppError,
  alreadyExists,
  describeError,
  failedPrecondition,
  invalidArgument,
  newId,
  normalizePage,
  notFound,
  recordEvents,
  requireCurrency,
  requireId,
  requireIds,
  requireLineQuantity,
  requireText,
  requireTotal,
  LIMITS,
  type Database,
  type ErrorCode,
  type RequestContext,
} from "@polyscale/platform";
import type { Cart, CartLine, Order, OrderLine, Payment, PaymentKind, RequestedLine } from "./model.js";
import { orderMoved, orderPlaced, paymentRecorded } from "./events.js";
import { KnownAccounts } from "./known-accounts.js";
import { countOrderEvent } from "./metrics.js";
import { refusedTransition, transitionFor, type OrderStatus, type ReservationEffect } from "./order-status.js";
import * as repository from "./repository.js";
import { ReservationEffects } from "./reservation-effects.js";

/** Most units of one product in a cart line or an order line. */
const MAX_LINE_QUANTITY = LIMITS.lineQuantity;
/** Most distinct products in one order, and so in one cart (a cart must stay checkable). */
const MAX_ORDER_PRODUCTS = LIMITS.orderProducts;
/** Most accounts in one ListOrdersForAccounts call. */
const MAX_BATCH_ACCOUNTS = 1000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
const MAX_PROVIDER_LENGTH = 100;
const MAX_PROVIDER_REFERENCE_LENGTH = 200;
/** Failures of a call after which it may or may not have taken effect. */
const OUTCOME_UNKNOWN_CODES = new Set<ErrorCode>(["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"]);
/** Account ids remembered as existing (a few hundred kilobytes at most). */
const KNOWN_ACCOUNTS_CAPACITY = 10_000;
/** How often a request that lost an idempotency claim looks for the winner's order. */
const CLAIM_POLL_MS = 25;

export interface OrderServiceOptions {
  database: Database;
  accounts: AccountClient;
  products: ProductClient;
  /** How long a request waits for a concurrent request with its idempotency key when its caller set no deadline. */
  defaultWaitMs: number;
  policy: OrderPolicy;
}

/** The shop's rules on unpaid orders (config.ts reads them from the environment). */
export interface OrderPolicy {
  /** An unpaid order expires this long after placement (ORDER_PAYMENT_TIMEOUT_SECONDS). */
  paymentWindowSeconds: number;
  /** Most unpaid orders one account may have at once (ORDER_MAX_UNPAID_PER_ACCOUNT). */
  maxUnpaidOrdersPerAccount: number;
  /** Most units of one product one account may hold in unpaid orders (ORDER_MAX_HELD_UNITS_PER_PRODUCT). */
  maxHeldUnitsPerProduct: number;
}

export interface RecordPaymentRequest {
  orderId: string;
  /** UNSPECIFIED is what an unset proto enum arrives as; it is refused. */
  kind: PaymentKind | "UNSPECIFIED";
  amountCents: number;
  currency: string;
  provider: string;
  providerReference: string;
}

/** What an order is placed from: explicit lines (PlaceOrder) or the account's cart (Checkout). */
interface Placement {
  accountId: string;
  idempotencyKey?: string;
  /** Identifies the request behind an idempotency key: a retry must match it. */
  fingerprint: string;
  /** Read after the key is claimed, so a retry of a finished checkout never sees the emptied cart. */
  lines(): Promise<RequestedLine[]>;
  fromCart: boolean;
}

/**
 * The business rules of carts, orders and payments. Stock lives in the product service: an order reserves it
 * (keyed by the order id) before the order is stored, and the reservation is committed when the order is paid or
 * released when it is cancelled or could not be stored.
 */
export class OrderService {
  private readonly knownAccounts = new KnownAccounts(KNOWN_ACCOUNTS_CAPACITY);
  private readonly effects: ReservationEffects;

  constructor(private readonly options: OrderServiceOptions) {
    this.effects = new ReservationEffects(options.database, options.products);
  }

  private get database(): Database {
    return this.options.database;
  }

  // ---- Cart ----

  /** The cart with current product names, prices and stock, from one GetProducts call. */
  async getCart(context: RequestContext, accountId: string): Promise<Cart> {
    requireId("accountId", accountId);
    const items = await repository.listCartItems(this.database, accountId);
    if (items.length === 0) return { accountId, lines: [], totalCents: 0, currency: "", updatedAt: undefined };
    const products = await this.productsById(
      context,
      items.map((item) => item.productId),
    );
    const lines = items.map((item): CartLine => {
      const product = products.get(item.productId);
      const unitPriceCents = product?.priceCents ?? 0;
      return {
        productId: item.productId,
        quantity: item.quantity,
        name: product?.name ?? "",
        unitPriceCents,
        currency: product?.currency ?? "",
        lineTotalCents: unitPriceCents * item.quantity,
        inStock: (product?.stock ?? 0) >= item.quantity,
        availableStock: product?.stock ?? 0,
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
   * Adds units of a product to the cart; the line must stay within 1..1000 units and the cart within as many distinct
   * products as an order may hold (FAILED_PRECONDITION CART_FULL beyond), all in one currency (FAILED_PRECONDITION
   * CURRENCY_MISMATCH, checked under the cart lock).
   */
  async addCartItem(context: RequestContext, accountId: string, item: RequestedLine): Promise<Cart> {
    return this.putCartItem(context, accountId, item, "add");
  }

  /** Sets the units of a cart line, within the same limits as addCartItem. */
  async setCartItemQuantity(context: RequestContext, accountId: string, item: RequestedLine): Promise<Cart> {
    return this.putCartItem(context, accountId, item, "set");
  }

  private async putCartItem(
    context: RequestContext,
    accountId: string,
    item: RequestedLine,
    mode: "add" | "set",
  ): Promise<Cart> {
    const valid = validateCartItem(accountId, item);
    const product = (await this.requireProductsExist(context, [valid.productId])).get(valid.productId)!;
    const limits = { maxQuantity: MAX_LINE_QUANTITY, maxProducts: MAX_ORDER_PRODUCTS };
    const line = { ...valid, currency: product.currency };
    const outcome = await this.database.transaction((tx) => repository.putCartItem(tx, accountId, line, mode, limits));
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
        `the product is priced in ${product.currency}; a cart holds products of one currency`,
        "productId",
      );
    }
    if (outcome === "CART_FULL") {
      throw failedPrecondition(
        "CART_FULL",
        `a cart can hold at most ${MAX_ORDER_PRODUCTS} distinct products, as many as an order`,
        "productId",
      );
    }
    return this.getCart(context, accountId);
  }

  async removeCartItem(context: RequestContext, accountId: string, productId: string): Promise<Cart> {
    requireId("accountId", accountId);
    requireId("productId", productId);
    await repository.removeCartItem(this.database, accountId, productId);
    return this.getCart(context, accountId);
  }

  async clearCart(context: RequestContext, accountId: string): Promise<Cart> {
    requireId("accountId", accountId);
    await repository.clearCart(this.database, accountId);
    return this.getCart(context, accountId);
  }

  // ---- Placing orders ----

  /** Places an order from the account's cart and takes those units out of the cart in the same transaction. */
  async checkout(context: RequestContext, accountId: string, idempotencyKey: string): Promise<Order> {
    requireId("accountId", accountId);
    return this.place(context, {
      accountId,
      idempotencyKey: normalizeIdempotencyKey(idempotencyKey),
      fingerprint: fingerprintOf({ operation: "checkout", accountId }),
      fromCart: true,
      lines: async () => {
        const items = await repository.listCartItems(this.database, accountId);
        if (items.length === 0) throw failedPrecondition("CART_EMPTY", "the cart is empty", "accountId");
        if (items.length > MAX_ORDER_PRODUCTS) {
          throw failedPrecondition(
            "ORDER_TOO_LARGE",
            `an order can hold at most ${MAX_ORDER_PRODUCTS} products`,
            "accountId",
          );
        }
        return items.map(({ productId, quantity }) => ({ productId, quantity }));
      },
    });
  }

  /** Places an order from explicit lines; lines naming one product twice are merged. */
  async placeOrder(
    context: RequestContext,
    accountId: string,
    lines: readonly RequestedLine[],
    idempotencyKey: string,
  ): Promise<Order> {
    requireId("accountId", accountId);
    const merged = mergeLines(lines);
    return this.place(context, {
      accountId,
      idempotencyKey: normalizeIdempotencyKey(idempotencyKey),
      fingerprint: fingerprintOf({
        operation: "placeOrder",
        accountId,
        lines: [...merged].sort((a, b) => a.productId.localeCompare(b.productId)),
      }),
      fromCart: false,
      lines: async () => merged,
    });
  }

  /**
   * With an idempotency key, the request first claims it (one INSERT; the database decides the winner). A loser
   * with the same request waits for the winner's order; if the winner failed and gave its claim up, it tries again.
   */
  private async place(context: RequestContext, placement: Placement): Promise<Order> {
    const key = placement.idempotencyKey;
    if (key === undefined) return this.placeOnce(context, placement, newId());
    const waitUntil = context.deadline?.getTime() ?? Date.now() + this.options.defaultWaitMs;
    for (;;) {
      const claim = {
        accountId: placement.accountId,
        key,
        requestFingerprint: placement.fingerprint,
        orderId: newId(),
      };
      if (await repository.claimIdempotencyKey(this.database, claim)) {
        try {
          return await this.placeOnce(context, placement, claim.orderId);
        } catch (error) {
          // If this fails too, the reconciler removes the abandoned claim later.
          await repository.releaseIdempotencyClaim(this.database, claim).catch((releaseError: unknown) => {
            context.logger.warn({ err: describeError(releaseError) }, "could not give up an idempotency claim");
          });
          throw error;
        }
      }
      const order = await this.awaitClaimedOrder(placement, key, waitUntil);
      if (order) return order;
    }
  }

  /** The order of the request holding the key, once stored; undefined if that request gave its claim up. */
  private async awaitClaimedOrder(placement: Placement, key: string, waitUntil: number): Promise<Order | undefined> {
    for (;;) {
      const claim = await repository.findIdempotencyClaim(this.database, placement.accountId, key);
      if (!claim) return undefined;
      if (claim.requestFingerprint !== placement.fingerprint) {
        throw alreadyExists(
          "IDEMPOTENCY_KEY_REUSED",
          "idempotencyKey: was already used for a different request",
          "idempotencyKey",
        );
      }
      const order = await repository.findOrder(this.database, claim.orderId);
      if (order) return order;
      if (waitUntil - Date.now() < CLAIM_POLL_MS) {
        throw new AppError(
          "DEADLINE_EXCEEDED",
          "an order with this idempotency key is still being placed; retry",
          "idempotencyKey",
          "IDEMPOTENCY_IN_PROGRESS",
        );
      }
      await sleep(CLAIM_POLL_MS);
    }
  }

  /**
   * Checks the account and products, reserves the stock, then stores the order (and empties the cart) in one
   * transaction. If anything fails once stock may have been reserved, the reservation is released again.
   */
  private async placeOnce(context: RequestContext, placement: Placement, orderId: string): Promise<Order> {
    const requested = await placement.lines();
    // Refused before any stock is taken; checked again, under the account's lock, when the order is stored.
    this.checkHolds(
      await repository.findUnpaidHolds(this.database, placement.accountId, productIdsOf(requested)),
      requested,
    );
    const [account, catalog] = await Promise.allSettled([
      this.requireAccountExists(context, placement.accountId),
      this.requireProductsExist(
        context,
        requested.map((line) => line.productId),
      ),
    ]);
    // Both checks run at once; the account's failure is reported first so the answer does not depend on timing.
    if (account.status === "rejected") throw account.reason;
    if (catalog.status === "rejected") throw catalog.reason;
    const products = catalog.value;
    const lines = requested.map((line): OrderLine => {
      const product = products.get(line.productId)!;
      return {
        productId: line.productId,
        name: product.name,
        description: product.description,
        unitPriceCents: product.priceCents,
        quantity: line.quantity,
        lineTotalCents: product.priceCents * line.quantity,
      };
    });
    const currencies = new Set(requested.map((line) => products.get(line.productId)!.currency));
    if (currencies.size > 1) {
      throw failedPrecondition(
        "CURRENCY_MISMATCH",
        "all products of an order must have the same currency",
        "productId",
      );
    }
    // Prices stored before the limits existed may still be larger: such an order is refused before anything is held.
    const totalCents = requireTotal(
      "totalCents",
      lines.reduce((sum, line) => sum + line.lineTotalCents, 0),
    );

    const order = {
      id: orderId,
      accountId: placement.accountId,
      status: "PENDING_PAYMENT" as const,
      totalCents,
      currency: [...currencies][0]!,
      lines,
      paymentWindowSeconds: this.options.policy.paymentWindowSeconds,
    };
    await this.reserveStock(context, orderId, requested);
    try {
      // The account's holds are locked while they are checked and the order stored, so two concurrent orders of one
      // account cannot both fit into a limit only one of them fits in. A checkout also empties the cart here.
      const stored = await this.database.transaction(async (tx) => {
        await repository.lockAccountHolds(tx, placement.accountId);
        this.checkHolds(await repository.findUnpaidHolds(tx, placement.accountId, productIdsOf(requested)), requested);
        const stored = await repository.insertOrder(tx, order);
        if (placement.fromCart && !(await repository.takeFromCart(tx, placement.accountId, requested))) {
          throw failedPrecondition(
            "CART_CHANGED",
            "the cart changed during checkout; review it and try again",
            "accountId",
          );
        }
        await recordEvents(tx, [orderPlaced(stored)]);
        return stored;
      });
      countOrderEvent("placed");
      return stored;
    } catch (error) {
      await this.compensate(context, orderId);
      throw error;
    }
  }

  /** Refuses an order that would take the account past the shop's limits on unpaid orders and held units. */
  private checkHolds(holds: repository.UnpaidHolds, lines: readonly RequestedLine[]): void {
    const { maxUnpaidOrdersPerAccount, maxHeldUnitsPerProduct } = this.options.policy;
    if (holds.unpaidOrders >= maxUnpaidOrdersPerAccount) {
      throw failedPrecondition(
        "TOO_MANY_UNPAID_ORDERS",
        `an account may have at most ${maxUnpaidOrdersPerAccount} unpaid orders at once; pay or cancel one first`,
        "accountId",
      );
    }
    for (const line of lines) {
      const held = holds.unitsByProduct.get(line.productId) ?? 0;
      if (held + line.quantity > maxHeldUnitsPerProduct) {
        throw failedPrecondition(
          "HOLD_LIMIT_EXCEEDED",
          `an account may hold at most ${maxHeldUnitsPerProduct} units of product ${line.productId} in unpaid orders; ` +
            `it holds ${held}`,
          "quantity",
        );
      }
    }
  }

  private async reserveStock(context: RequestContext, orderId: string, lines: RequestedLine[]): Promise<void> {
    try {
      await this.options.products.reserveStock({ orderId, lines }, context);
    } catch (error) {
      // A refusal took nothing. After a timeout or a lost connection the reservation may exist all the same.
      if (!(error instanceof AppError) || OUTCOME_UNKNOWN_CODES.has(error.code))
        await this.compensate(context, orderId);
      throw error;
    }
  }

  private async requireAccountExists(context: RequestContext, accountId: string): Promise<void> {
    if (this.knownAccounts.has(accountId)) return;
    try {
      await this.options.accounts.getAccount({ id: accountId }, context);
      this.knownAccounts.add(accountId);
    } catch (error) {
      if (error instanceof AppError && error.code === "NOT_FOUND") {
        throw notFound("ACCOUNT_NOT_FOUND", `account ${accountId} does not exist`, "accountId");
      }
      throw error;
    }
  }

  /** The products by id, from one GetProducts call; NOT_FOUND naming the first id that does not exist. */
  private async requireProductsExist(context: RequestContext, productIds: string[]): Promise<Map<string, Product>> {
    const products = await this.productsById(context, productIds);
    const missing = productIds.find((id) => !products.has(id));
    if (missing) throw notFound("PRODUCT_NOT_FOUND", `product ${missing} does not exist`, "productId");
    return products;
  }

  private async productsById(context: RequestContext, productIds: string[]): Promise<Map<string, Product>> {
    const response = await this.options.products.getProducts({ ids: productIds }, context);
    return new Map(response.products.map((product) => [product.id, product]));
  }

  // ---- Orders ----

  async getOrder(id: string): Promise<Order> {
    requireId("id", id);
    return this.requireOrder(id);
  }

  /** Newest first, of one account or, with accountId empty, of all accounts. */
  async listOrders(accountId: string, page: { skip: number; take: number }): Promise<Order[]> {
    if (accountId !== "") requireId("accountId", accountId);
    return repository.listOrders(this.database, accountId === "" ? undefined : accountId, normalizePage(page));
  }

  /** Every order of each account, in request order, with an empty list for an account without orders. */
  async listOrdersForAccounts(accountIds: readonly string[]): Promise<Array<{ accountId: string; orders: Order[] }>> {
    const ids = requireIds("accountIds", accountIds, { max: MAX_BATCH_ACCOUNTS });
    const ordersOf = new Map<string, Order[]>(ids.map((id) => [id, []]));
    for (const order of await repository.listOrdersOfAccounts(this.database, ids)) {
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
    requireId("id", id);
    const order = await this.requireOrder(id);
    const transition = transitionFor(order.status, to);
    const moved = await this.database.transaction(async (tx) => {
      if (!(await repository.updateOrderStatus(tx, id, transition.from, transition.to))) return false;
      if (transition.effect) await repository.enqueueReservationEffect(tx, id, transition.effect);
      await recordEvents(tx, [orderMoved(order, transition.from, transition.to)]);
      return true;
    });
    // Another request moved the order first; report the status it left.
    if (!moved) throw refusedTransition((await this.requireOrder(id)).status, to);
    countOrderEvent(to);
    await this.applyReservationEffect(context, transition.effect, id);
    return this.requireOrder(id);
  }

  /**
   * Adds a capture or refund to the ledger and moves the order when the sums say so, in one transaction that holds
   * the order's row lock. A replay of a recorded (provider, providerReference) returns the order unchanged.
   */
  async recordPayment(context: RequestContext, request: RecordPaymentRequest): Promise<Order> {
    requireId("orderId", request.orderId);
    if (request.kind === "UNSPECIFIED") throw invalidArgument("kind", "must be CAPTURE or REFUND");
    const payment = {
      id: newId(),
      orderId: request.orderId,
      kind: request.kind,
      amountCents: requireTotal("amountCents", request.amountCents, 1),
      currency: requireCurrency("currency", request.currency),
      provider: requireText("provider", request.provider, { max: MAX_PROVIDER_LENGTH }),
      providerReference: requireText("providerReference", request.providerReference, {
        max: MAX_PROVIDER_REFERENCE_LENGTH,
      }),
    };

    const { effect, expired, moved } = await this.database.transaction(async (tx) => {
      const order = await repository.lockOrder(tx, payment.orderId);
      if (!order) throw notFound("ORDER_NOT_FOUND", `order ${payment.orderId} does not exist`, "orderId");
      const recorded = await repository.findPaymentByReference(tx, payment.provider, payment.providerReference);
      if (recorded) {
        if (!isSamePayment(recorded, payment)) throw referenceTaken();
        return { effect: undefined, expired: undefined };
      }
      // The window is the window: a capture after it is refused even if no sweep has expired the order yet, so the
      // answer never depends on when the sweep last ran. The order expires here, in this transaction.
      if (payment.kind === "CAPTURE" && isOverdue(order)) {
        const transition = transitionFor(order.status, "EXPIRED");
        await repository.updateOrderStatus(tx, order.id, transition.from, transition.to);
        await repository.enqueueReservationEffect(tx, order.id, transition.effect!);
        await recordEvents(tx, [orderMoved(order, transition.from, transition.to)]);
        return { effect: transition.effect, expired: order, moved: transition.to };
      }
      if (payment.kind === "CAPTURE" && order.status === "EXPIRED") return { effect: undefined, expired: order };
      if (payment.currency !== order.currency) {
        throw invalidArgument("currency", `must be the order's currency, ${order.currency}`);
      }
      const next = nextStatusAfterPayment(order, payment);
      if (!(await repository.insertPayment(tx, payment))) throw referenceTaken();
      if (next === undefined) {
        await recordEvents(tx, [paymentRecorded(payment)]);
        return { effect: undefined, expired: undefined };
      }
      const transition = transitionFor(order.status, next);
      // The row lock makes this succeed; the condition stays as the one rule every transition follows.
      if (!(await repository.updateOrderStatus(tx, order.id, transition.from, transition.to))) {
        throw refusedTransition(order.status, next);
      }
      if (transition.effect) await repository.enqueueReservationEffect(tx, order.id, transition.effect);
      await recordEvents(tx, [paymentRecorded(payment), orderMoved(order, transition.from, transition.to)]);
      return { effect: transition.effect, expired: undefined, moved: transition.to };
    });
    if (moved) countOrderEvent(moved);
    await this.applyReservationEffect(context, effect, payment.orderId);
    if (expired) throw paymentAfterExpiry(expired);
    return this.requireOrder(payment.orderId);
  }

  private async requireOrder(id: string): Promise<Order> {
    const order = await repository.findOrder(this.database, id);
    if (!order) throw notFound("ORDER_NOT_FOUND", `order ${id} does not exist`, "id");
    return order;
  }

  /**
   * Attempts a transition's effect on the stock reservation once the status change (which queued it) has committed.
   * A failure is logged, not thrown: the order's state is decided, and the queued effect is retried until it holds.
   */
  private async applyReservationEffect(
    context: RequestContext,
    effect: ReservationEffect | undefined,
    orderId: string,
  ): Promise<void> {
    if (effect) await this.effects.attempt(context, context.logger, orderId, effect);
  }

  /**
   * Undoes the reservation of a placement that failed: queues its release, then attempts it. Queued first, so a
   * product service that is down (or answers late, after the release) costs a retry, never the stock.
   */
  private async compensate(context: RequestContext, orderId: string): Promise<void> {
    try {
      await repository.enqueueReservationEffect(this.database, orderId, "releaseReservation");
    } catch (error) {
      // The reconciler still finds the reservation: it is held, old, and has no order.
      context.logger.warn({ orderId, err: describeError(error) }, "could not queue the release of a failed placement");
    }
    // Compensation must not inherit a deadline that may be what just failed; it gets the client's own.
    await this.effects.attempt({ requestId: context.requestId }, context.logger, orderId, "releaseReservation");
  }
}

function validateCartItem(accountId: string, item: RequestedLine): RequestedLine {
  requireId("accountId", accountId);
  return {
    productId: requireId("productId", item.productId),
    quantity: requireLineQuantity("quantity", item.quantity),
  };
}

/** Validates order lines and merges those naming one product, keeping the order in which products first appear. */
function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  if (lines.length === 0) throw invalidArgument("lines", "must hold at least one line");
  const merged = new Map<string, number>();
  for (const line of lines) {
    requireId("productId", line.productId);
    requireLineQuantity("quantity", line.quantity);
    merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  }
  if (merged.size > MAX_ORDER_PRODUCTS) {
    throw invalidArgument("lines", `must name at most ${MAX_ORDER_PRODUCTS} different products`);
  }
  for (const [productId, quantity] of merged) {
    if (quantity > MAX_LINE_QUANTITY) {
      throw invalidArgument(
        "quantity",
        `must be at most ${MAX_LINE_QUANTITY} in total for product ${productId}`,
        "LIMIT_EXCEEDED",
      );
    }
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

function productIdsOf(lines: readonly RequestedLine[]): string[] {
  return lines.map((line) => line.productId);
}

/** An unpaid order whose payment window has passed, whether or not the sweep has expired it yet. */
function isOverdue(order: Order): boolean {
  return (
    order.status === "PENDING_PAYMENT" && order.paymentDueAt !== null && order.paymentDueAt.getTime() <= Date.now()
  );
}

/** The refusal of a capture on an expired order; the provider reads it as "refund this payment". */
function paymentAfterExpiry(order: Order): AppError {
  return failedPrecondition(
    "ORDER_EXPIRED",
    `order ${order.id} expired unpaid at ${order.paymentDueAt?.toISOString() ?? "its deadline"} and its stock was ` +
      "released; the payment was not recorded: refund it",
    "orderId",
  );
}

function normalizeIdempotencyKey(key: string): string | undefined {
  if (key.trim() === "") return undefined;
  return requireText("idempotencyKey", key, { max: MAX_IDEMPOTENCY_KEY_LENGTH });
}

function fingerprintOf(request: object): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

function isSamePayment(recorded: Payment, payment: Omit<Payment, "createdAt">): boolean {
  return (
    recorded.orderId === payment.orderId &&
    recorded.kind === payment.kind &&
    recorded.amountCents === payment.amountCents &&
    recorded.currency === payment.currency
  );
}

function referenceTaken(): AppError {
  return alreadyExists(
    "PROVIDER_REFERENCE_REUSED",
    "providerReference: was already recorded for a different payment",
    "providerReference",
  );
}

/** The status a new payment moves the order to, if any; FAILED_PRECONDITION when the order cannot take it. */
function nextStatusAfterPayment(order: Order, payment: Omit<Payment, "createdAt">): OrderStatus | undefined {
  const captured = sumOf(order.payments, "CAPTURE");
  const refunded = sumOf(order.payments, "REFUND");
  if (payment.kind === "CAPTURE") {
    if (order.status !== "PENDING_PAYMENT") {
      throw failedPrecondition("ORDER_NOT_PAYABLE", `cannot capture a payment for an order that is ${order.status}`);
    }
    // Checked under the order's row lock, so concurrent captures cannot together exceed the total.
    const outstanding = order.totalCents - captured;
    if (payment.amountCents > outstanding) {
      throw failedPrecondition(
        "CAPTURE_EXCEEDS_OUTSTANDING",
        `amountCents: must be at most the outstanding ${outstanding}`,
        "amountCents",
      );
    }
    return captured + payment.amountCents === order.totalCents ? "PAID" : undefined;
  }
  // An order that expired after a partial capture keeps its status; the ledger records the money given back.
  if (order.status !== "PAID" && order.status !== "EXPIRED") {
    throw failedPrecondition("ORDER_NOT_REFUNDABLE", `cannot refund an order that is ${order.status}`);
  }
  const refundable = captured - refunded;
  if (payment.amountCents > refundable) {
    throw failedPrecondition(
      "REFUND_EXCEEDS_CAPTURED",
      `amountCents: must be at most the refundable ${refundable}`,
      "amountCents",
    );
  }
  if (order.status === "EXPIRED") return undefined;
  return refunded + payment.amountCents === captured ? "REFUNDED" : undefined;
}

function sumOf(payments: readonly Payment[], kind: PaymentKind): number {
  return payments.filter((payment) => payment.kind === kind).reduce((sum, payment) => sum + payment.amountCents, 0);
}
