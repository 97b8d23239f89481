import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  LIMITS,
  normalizePage,
  requireId,
  requireIds,
  requireOneOf,
  requireOrderLines,
  requireStockDelta,
  type Database,
  type EnumInput,
  type RequestedOrderLine,
} from "@polyscale/platform";
import { productNotFound, reservationNotFound, variantNotFound } from "./client.js";
import {
  RESERVATION_STATUSES,
  type Product,
  type Reservation,
  type ReservationLine,
  type ReservationStatus,
  type StockLevel,
} from "./model.js";
import { stockRefusals } from "./metrics.js";
import * as repository from "./repository.js";

/** A change of one variant's stock by hand; an empty or absent variantId is the product's default variant. */
export interface AdjustStockInput {
  productId: string;
  variantId?: string;
  delta: number;
}

/** The lines an order wants stock for, keyed by the order's id. */
export interface ReserveStockInput {
  orderId: string;
  lines: RequestedOrderLine[];
}

/** One page of reservations, oldest first (ListReservations), as the contract's request carries it. */
export interface ListReservationsInput {
  /** Unset: every status; any other value is refused (field status). */
  status?: EnumInput<ReservationStatus>;
  createdBefore?: Date;
  take: number;
  /** The last order id of the previous page; empty or absent: the first page. */
  afterOrderId?: string;
}

/** The products whose stock levels to read (at most 1000), or none: the `take` holding the most. */
export interface ListStockLevelsInput {
  productIds: readonly string[];
  take: number;
}

export interface InventoryServiceOptions {
  database: Database;
}

/**
 * The inventory: a product's stock, adjusted by hand or reserved for an order (all of an order's lines or none),
 * each reservation then released or committed once, and the stock levels (on hand, available, held, sold).
 */
export class InventoryService {
  private readonly database: Database;

  constructor(options: InventoryServiceOptions) {
    this.database = options.database;
  }

  /** Adds delta to a variant's stock (the default variant's when variantId is empty or absent). */
  async adjustStock(input: AdjustStockInput): Promise<Product> {
    const productId = requireId("productId", input.productId);
    const variantId = input.variantId ? requireId("variantId", input.variantId) : productId;
    // The sum is checked again in the repository, under the row lock.
    const delta = requireStockDelta("delta", input.delta);
    return this.database.transaction(async (tx) => {
      const outcome = await repository.adjustStock(tx, { productId, variantId, delta });
      switch (outcome.kind) {
        case "variantNotFound":
          throw variantId === productId
            ? productNotFound(productId, "productId")
            : variantNotFound(variantId, "variantId", productId);
        case "outOfRange": {
          const unit = unitName({ productId, variantId, sku: outcome.sku });
          if (delta > 0)
            throw invalidArgument("delta", `stock of ${unit} would exceed ${LIMITS.stock}`, "LIMIT_EXCEEDED");
          throw failedPrecondition("INSUFFICIENT_STOCK", `stock of ${unit} cannot go below zero`, "delta");
        }
        case "adjusted":
          return (await repository.getProduct(tx, productId))!;
      }
    });
  }

  async reserveStock(input: ReserveStockInput): Promise<Reservation> {
    const orderId = requireId("orderId", input.orderId);
    // The order's rule for its lines (platform requireOrderLines): two lines for one variant are one line for their sum.
    const lines = requireOrderLines(input.lines);
    // One statement that commits by itself, taking stock for every line or for none: a refusal has written nothing.
    const outcome = await repository.reserveStock(this.database, orderId, lines);
    switch (outcome.kind) {
      case "existing":
        if (!sameLines(outcome.reservation.lines, lines)) {
          throw alreadyExists(
            "RESERVATION_CONFLICT",
            `order ${orderId} already has a reservation with different lines`,
            "orderId",
          );
        }
        return outcome.reservation;
      case "variantNotFound":
        throw outcome.line.variantId === outcome.line.productId
          ? productNotFound(outcome.line.productId, "productId")
          : variantNotFound(outcome.line.variantId, "variantId", outcome.line.productId);
      case "archived":
        throw failedPrecondition(
          "PRODUCT_ARCHIVED",
          `product ${outcome.line.productId} is archived and no longer for sale`,
          "productId",
        );
      case "variantArchived":
        throw failedPrecondition(
          "VARIANT_ARCHIVED",
          `${unitName({ ...outcome.line, sku: outcome.sku })} is archived and no longer for sale`,
          "variantId",
        );
      case "insufficient":
        stockRefusals.inc();
        // The variant is what is short, the default one as any other (its id is the product's, so a caller of the
        // old contract, whose lines name products, reads the product's id in variantId).
        throw failedPrecondition(
          "INSUFFICIENT_STOCK",
          `insufficient stock for ${unitName({ ...outcome.line, sku: outcome.sku })}`,
          "variantId",
        );
      case "reserved":
        return outcome.reservation;
    }
  }

  /** Gives a held reservation's stock back. Idempotent; a committed reservation cannot be released. */
  async releaseReservation(orderId: string): Promise<Reservation> {
    return this.settleReservation(requireId("orderId", orderId), "released");
  }

  /** Marks a held reservation as sold. Idempotent; a released reservation cannot be committed. */
  async commitReservation(orderId: string): Promise<Reservation> {
    return this.settleReservation(requireId("orderId", orderId), "committed");
  }

  async listReservations(input: ListReservationsInput): Promise<Reservation[]> {
    if (input.createdBefore && Number.isNaN(input.createdBefore.getTime())) {
      throw invalidArgument("createdBefore", "must be a valid time");
    }
    const { take } = normalizePage({ skip: 0, take: input.take }, { defaultTake: 100, maxTake: 1000 });
    const afterOrderId = input.afterOrderId ? requireId("afterOrderId", input.afterOrderId) : undefined;
    const status = input.status === undefined ? undefined : requireOneOf("status", input.status, RESERVATION_STATUSES);
    const reservations = await repository.listReservations(this.database, {
      status,
      createdBefore: input.createdBefore,
      take,
      afterOrderId,
    });
    // An unknown cursor would read as "no more pages" and silently end a scan; it is refused instead.
    if (
      afterOrderId &&
      reservations.length === 0 &&
      !(await repository.reservationExists(this.database, afterOrderId))
    ) {
      throw invalidArgument("afterOrderId", "is not the order id of a reservation");
    }
    return reservations;
  }

  /** Stock on hand, available, held and sold: of up to 1000 given products, or of the `take` holding the most. */
  async listStockLevels(input: ListStockLevelsInput): Promise<StockLevel[]> {
    if (input.productIds.length > 0) {
      const productIds = requireIds("productIds", input.productIds, { max: 1000 });
      return repository.listStockLevels(this.database, { productIds, take: productIds.length });
    }
    const { take } = normalizePage({ skip: 0, take: input.take }, { defaultTake: 20, maxTake: 100 });
    return repository.listStockLevels(this.database, { take });
  }

  /** Moves a held reservation to `outcome` under its row lock; settling it again the same way changes nothing. */
  private async settleReservation(orderId: string, outcome: "released" | "committed"): Promise<Reservation> {
    return this.database.transaction(async (tx) => {
      const status = await repository.lockReservation(tx, orderId);
      if (status === undefined) throw reservationNotFound(orderId, "orderId");
      if (status !== outcome) {
        if (status !== "held") {
          throw failedPrecondition(
            "RESERVATION_SETTLED",
            `the reservation for order ${orderId} is already ${status}`,
            "orderId",
          );
        }
        await repository.setReservationStatus(tx, orderId, outcome);
      }
      const reservation = (await repository.findReservations(tx, [orderId]))[0]!;
      // Last, so that the products' rows stay locked only for this statement and the commit.
      if (status !== outcome && outcome === "released") await repository.returnStock(tx, orderId, reservation.lines);
      return reservation;
    });
  }
}

/** The same variants in the same quantities, in any order; each list holds a variant once. */
function sameLines(stored: readonly ReservationLine[], asked: readonly ReservationLine[]): boolean {
  const quantities = new Map(asked.map((line) => [line.variantId, line.quantity]));
  return stored.length === asked.length && stored.every((line) => quantities.get(line.variantId) === line.quantity);
}

/** "variant V (SKU S) of product P", as the order service names a variant (its id is the product's for the default). */
function unitName(line: { productId: string; variantId: string; sku: string }): string {
  return `variant ${line.variantId} (SKU ${line.sku}) of product ${line.productId}`;
}
