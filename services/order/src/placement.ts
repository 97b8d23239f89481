import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { accountNotFound, type AccountClient } from "@polyscale/account";
import type { ProductClient } from "@polyscale/product";
import {
  AppError,
  ConcurrencyLimit,
  alreadyExists,
  failedPrecondition,
  newId,
  requireId,
  requireText,
  requireTotal,
  type Database,
  type RequestContext,
  requireOrderLines,
} from "@polyscale/platform";
import type { NewOrder, Order, OrderLine, RequestedLine, VariantLine } from "./model.js";
import { KnownAccounts } from "./known-accounts.js";
import { MAX_ORDER_PRODUCTS, requireWithinHolds, type OrderPolicy } from "./limits.js";
import { requireVariantsOnSale } from "./lookups.js";
import {
  requireAddressChoices,
  resolveOrderAddresses,
  type AddressChoices,
  type OrderAddressesInput,
} from "./order-addresses.js";
import { countOrderEvent } from "./metrics.js";
import * as repository from "./repository.js";
import type { ReservationEffects } from "./reservation-effects.js";
import { placementSteps, type PlacementSteps } from "./placement-steps.js";
import { withSaga, type Saga } from "./saga.js";

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Account ids remembered as existing (a few hundred kilobytes at most). */
const KNOWN_ACCOUNTS_CAPACITY = 10_000;
/** How often a request that lost an idempotency claim looks for the winner's order. */
const CLAIM_POLL_MS = 25;

export interface PlacementServiceOptions {
  database: Database;
  accounts: AccountClient;
  products: ProductClient;
  /** Releases the stock of a placement that failed. */
  effects: ReservationEffects;
  /** How long a request waits for a concurrent request with its idempotency key when its caller set no deadline. */
  defaultWaitMs: number;
  policy: OrderPolicy;
  /** Placements that run at once; the others wait their turn (ORDER_MAX_CONCURRENT_PLACEMENTS, see place()). */
  maxConcurrentPlacements: number;
}

/**
 * Checkout as asked, unchecked: the account whose cart becomes the order, its idempotency key ("" for none), and the
 * order's addresses (optional; billing defaults to shipping).
 */
export interface CheckoutInput extends OrderAddressesInput {
  accountId: string;
  idempotencyKey: string;
}

/** PlaceOrder as asked, unchecked: as CheckoutInput, with the order's lines instead of the cart's. */
export interface PlaceOrderInput extends CheckoutInput {
  lines: readonly RequestedLine[];
}

/** What an order is placed from: explicit lines (PlaceOrder) or the account's cart (Checkout). */
interface Placement {
  accountId: string;
  idempotencyKey?: string;
  /** Identifies the request behind an idempotency key: a retry must match it. */
  fingerprint: string;
  /** Read after the key is claimed, so a retry of a finished checkout never sees the emptied cart. */
  lines(): Promise<VariantLine[]>;
  fromCart: boolean;
  /** Checked before anything happens; address-book ids are read when the order is priced. */
  addresses: AddressChoices;
}

/**
 * Places orders, from explicit lines or from the cart, as a saga across services: claim the idempotency key, check
 * the account, products and limits, reserve the stock in the product service (keyed by the order id), then store the
 * order (and empty the cart) in one transaction. When a step fails, the steps before it are undone, last first: the
 * reservation released, the key given up. The reconciler repairs what an undo could not (it finds the reservation
 * held without an order, and the claim without one).
 */
export class PlacementService {
  private readonly knownAccounts = new KnownAccounts({ capacity: KNOWN_ACCOUNTS_CAPACITY });
  private readonly steps: PlacementSteps;
  private readonly turns: ConcurrencyLimit;

  constructor(private readonly options: PlacementServiceOptions) {
    this.steps = placementSteps(options);
    this.turns = new ConcurrencyLimit({ limit: options.maxConcurrentPlacements, name: "placement" });
  }

  /**
   * Places an order from the account's cart and takes those units out of the cart in the same transaction; the
   * addresses (optional, order-addresses.ts) are stored as snapshots.
   */
  async checkout(context: RequestContext, input: CheckoutInput): Promise<Order> {
    const { accountId, idempotencyKey } = input;
    requireId("accountId", accountId);
    const addresses = requireAddressChoices(input);
    return this.place(context, {
      accountId,
      idempotencyKey: normalizeIdempotencyKey(idempotencyKey),
      fingerprint: fingerprintOf({ operation: "checkout", accountId, addresses }),
      fromCart: true,
      addresses,
      lines: async () => {
        const items = await repository.listCartItems(this.options.database, accountId);
        if (items.length === 0) throw failedPrecondition("CART_EMPTY", "the cart is empty", "cart");
        if (items.length > MAX_ORDER_PRODUCTS) {
          throw failedPrecondition(
            "ORDER_TOO_LARGE",
            `an order can hold at most ${MAX_ORDER_PRODUCTS} lines`,
            "accountId",
          );
        }
        return items.map(({ productId, variantId, quantity }) => ({ productId, variantId, quantity }));
      },
    });
  }

  /**
   * Places an order from explicit lines, each naming a variant (the product's default variant when variantId is
   * absent); lines naming one variant twice are merged. Addresses as for checkout.
   */
  async placeOrder(context: RequestContext, input: PlaceOrderInput): Promise<Order> {
    const { accountId, idempotencyKey } = input;
    requireId("accountId", accountId);
    const merged = requireOrderLines(input.lines);
    const addresses = requireAddressChoices(input);
    return this.place(context, {
      accountId,
      idempotencyKey: normalizeIdempotencyKey(idempotencyKey),
      fingerprint: fingerprintOf({
        operation: "placeOrder",
        accountId,
        lines: [...merged].sort((a, b) => a.variantId.localeCompare(b.variantId)),
        addresses,
      }),
      fromCart: false,
      addresses,
      lines: () => Promise.resolve(merged),
    });
  }

  /**
   * With an idempotency key, the request first claims it (one INSERT; the database decides the winner). A loser
   * with the same request waits for the winner's order; if the winner failed and gave its claim up, it tries again.
   */
  /**
   * Runs a placement once fewer than maxConcurrentPlacements are running. Past the point where the process is busy,
   * more placements at once only lengthen every turn of its event loop: the same orders per second, each waiting
   * longer, and so does the outbox relay that publishes their events (ConcurrencyLimit). One whose deadline passes
   * while it waits is refused (DEADLINE_EXCEEDED) before any step.
   */
  private place(context: RequestContext, placement: Placement): Promise<Order> {
    return this.turns.run(context, () => this.placeInTurn(context, placement));
  }

  private async placeInTurn(context: RequestContext, placement: Placement): Promise<Order> {
    const key = placement.idempotencyKey;
    if (key === undefined) {
      return withSaga(context.logger, (saga) => this.placeOnce(context, saga, placement, newId()));
    }
    const waitUntil = context.deadline?.getTime() ?? Date.now() + this.options.defaultWaitMs;
    for (;;) {
      const claim = {
        accountId: placement.accountId,
        key,
        requestFingerprint: placement.fingerprint,
        orderId: newId(),
      };
      const placed = await withSaga(context.logger, async (saga) =>
        (await saga.run(this.steps.claimKey, claim))
          ? this.placeOnce(context, saga, placement, claim.orderId)
          : undefined,
      );
      if (placed) return placed;
      const order = await this.awaitClaimedOrder(placement, key, waitUntil);
      if (order) return order;
    }
  }

  /** The order of the request holding the key, once stored; undefined if that request gave its claim up. */
  private async awaitClaimedOrder(placement: Placement, key: string, waitUntil: number): Promise<Order | undefined> {
    for (;;) {
      const claim = await repository.findIdempotencyClaim(this.options.database, placement.accountId, key);
      if (!claim) return undefined;
      if (claim.requestFingerprint !== placement.fingerprint) {
        throw alreadyExists(
          "IDEMPOTENCY_KEY_REUSED",
          "idempotencyKey: was already used for a different request",
          "idempotencyKey",
        );
      }
      const order = await repository.findOrder(this.options.database, claim.orderId);
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

  /** Checks the account, products and limits (nothing to undo), reserves the stock, then stores the order. */
  private async placeOnce(context: RequestContext, saga: Saga, placement: Placement, orderId: string): Promise<Order> {
    const requested = await placement.lines();
    const order = await this.priceOrder(context, placement, orderId, requested);
    await saga.run(this.steps.reserveStock, { context, orderId, lines: requested });
    const stored = await saga.run(this.steps.storeOrder, { order, lines: requested, fromCart: placement.fromCart });
    countOrderEvent("placed");
    return stored;
  }

  /**
   * The order as it would be stored, each line a snapshot of its product and variant (name, SKU, options, the
   * variant's price): the account must exist, every product and variant too, on sale, in one currency, with a total
   * within the shop's limit, and the account within its limits on unpaid holds. Refused before any stock is taken.
   */
  private async priceOrder(
    context: RequestContext,
    placement: Placement,
    orderId: string,
    requested: VariantLine[],
  ): Promise<NewOrder> {
    const { database, policy } = this.options;
    const [holds, account, catalog, addresses] = await Promise.allSettled([
      // Checked again, under the account's lock, when the order is stored.
      requireWithinHolds(database, policy, placement.accountId, requested),
      this.requireAccountExists(context, placement.accountId),
      requireVariantsOnSale(context, this.options.products, requested),
      resolveOrderAddresses(context, this.options.accounts, placement.accountId, placement.addresses),
    ]);
    // The checks run at once; their failures are reported in this order so the answer does not depend on timing.
    if (holds.status === "rejected") throw holds.reason;
    if (account.status === "rejected") throw account.reason;
    if (catalog.status === "rejected") throw catalog.reason;
    if (addresses.status === "rejected") throw addresses.reason;
    const variants = catalog.value;
    const lines = requested.map((line): OrderLine => {
      const { product, variant } = variants.get(line.variantId)!;
      return {
        productId: line.productId,
        variantId: line.variantId,
        sku: variant.sku,
        options: variant.options,
        name: product.name,
        description: product.description,
        unitPriceCents: variant.priceCents,
        quantity: line.quantity,
        lineTotalCents: variant.priceCents * line.quantity,
      };
    });
    const currencies = new Set(requested.map((line) => variants.get(line.variantId)!.variant.currency));
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
    return {
      id: orderId,
      accountId: placement.accountId,
      status: "pending_payment",
      totalCents,
      currency: [...currencies][0]!,
      lines,
      paymentWindowSeconds: policy.paymentWindowSeconds,
      ...addresses.value,
    };
  }

  private async requireAccountExists(context: RequestContext, accountId: string): Promise<void> {
    if (this.knownAccounts.has(accountId)) return;
    try {
      await this.options.accounts.getAccount({ id: accountId }, context);
      this.knownAccounts.add(accountId);
    } catch (error) {
      if (error instanceof AppError && error.code === "NOT_FOUND") {
        throw accountNotFound(accountId, "accountId");
      }
      throw error;
    }
  }
}

function normalizeIdempotencyKey(key: string): string | undefined {
  if (key.trim() === "") return undefined;
  return requireText("idempotencyKey", key, { max: MAX_IDEMPOTENCY_KEY_LENGTH });
}

function fingerprintOf(request: object): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}
