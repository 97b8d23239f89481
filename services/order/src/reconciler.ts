import { randomUUID } from "node:crypto";
import { ReservationStatus, type ProductClient } from "@polyscale/product";
import { describeError, PeriodicJob, recordEvents, type Database, type Logger } from "@polyscale/platform";
import { orderMoved } from "./events.js";
import type { QueuedReservationEffect } from "./model.js";
import { reservationEffectOf } from "./order-status.js";
import { ReservationEffects } from "./reservation-effects.js";
import { countOrderEvent } from "./metrics.js";
import * as repository from "./repository.js";

/** Reservations per ListReservations page; every page is read, however many reservations are held. */
const RESERVATION_PAGE_SIZE = 500;
/** Orders expired per statement; the sweep repeats it until none is due. */
const EXPIRY_BATCH = 500;

export interface ReconcilerOptions {
  database: Database;
  products: ProductClient;
  logger: Logger;
  /** Reservations and idempotency claims younger than this are left alone: their request may still be running. */
  reservationTimeoutSeconds: number;
  intervalMs: number;
}

export interface ReconcileResult {
  /** Unpaid orders whose payment window passed in this run. */
  expired: number;
  /** Held reservations read, over all pages. */
  scanned: number;
  /** Held reservations found without a live order behind them, or with an effect that never reached them. */
  orphans: number;
  released: number;
  committed: number;
  /** Effects still queued after this run (the product service failed or is down). */
  pending: number;
  abandonedClaimsDeleted: number;
}

/**
 * Keeps the stock held in the product service equal to what live unpaid orders hold. Each run:
 * 1. expires unpaid orders past their payment window (a conditional UPDATE per batch, safe with many replicas) and
 *    queues the release of their stock;
 * 2. reads every held reservation older than the timeout, page after page (keyset pagination), and queues the effect
 *    each one is missing: release when there is no order (the process died between reserving and storing) or the
 *    order is cancelled or expired; commit when it is paid, fulfilled or refunded;
 * 3. applies the queued effects (release, commit), keeping the ones the product service failed for the next run;
 * 4. deletes idempotency claims whose order never appeared, so the key can be used again.
 */
export class Reconciler {
  private readonly effects: ReservationEffects;
  /** Runs reconcileOnce every intervalMs, never two at once; a failed run is logged and the next one tries again. */
  private readonly job: PeriodicJob;

  constructor(private readonly options: ReconcilerOptions) {
    this.effects = new ReservationEffects({ database: options.database, products: options.products });
    this.job = new PeriodicJob({
      intervalMs: options.intervalMs,
      logger: options.logger,
      failureMessage: "reconciliation failed",
      run: async () => {
        await this.reconcileOnce();
      },
    });
  }

  start(): void {
    this.job.start();
  }

  /** Stops the interval and waits for a run in progress. */
  stop(): Promise<void> {
    return this.job.stop();
  }

  async reconcileOnce(): Promise<ReconcileResult> {
    const { database, logger } = this.options;
    const cutoff = new Date(Date.now() - this.options.reservationTimeoutSeconds * 1000);
    const expired = await this.expireDueOrders();
    // A product service that is down fails the scan; the queued effects are still tried (and kept for later).
    const { scanned, orphans } = await this.queueMissingEffects(cutoff).catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, "could not read the held reservations");
      return { scanned: 0, orphans: 0 };
    });
    const drained = await this.effects.drain(logger);
    const result: ReconcileResult = {
      expired,
      scanned,
      orphans,
      released: drained.released,
      committed: drained.committed,
      pending: await repository.countPendingReservationEffects(database),
      abandonedClaimsDeleted: await repository.deleteAbandonedIdempotencyClaims(database, cutoff),
    };
    if (result.expired + result.orphans + result.released + result.committed + result.pending > 0) {
      logger.info(result, "reconciled");
    }
    return result;
  }

  private async expireDueOrders(): Promise<number> {
    let expired = 0;
    for (;;) {
      // Each batch commits with its order.expired events.
      const batch = await this.options.database.transaction(async (tx) => {
        const moved = await repository.expireDueOrders(tx, EXPIRY_BATCH);
        await recordEvents(
          tx,
          moved.map((order) => orderMoved(order, "pending_payment", "expired")),
        );
        return moved;
      });
      expired += batch.length;
      countOrderEvent("expired", batch.length);
      if (batch.length < EXPIRY_BATCH) return expired;
    }
  }

  /** Pages through all held reservations created before the cutoff; queues what each orphan needs. */
  private async queueMissingEffects(cutoff: Date): Promise<{ scanned: number; orphans: number }> {
    const callContext = { requestId: `reconcile-${randomUUID()}` };
    let scanned = 0;
    let orphans = 0;
    let afterOrderId = "";
    for (;;) {
      const { reservations } = await this.options.products.listReservations(
        {
          status: ReservationStatus.RESERVATION_STATUS_HELD,
          createdBefore: cutoff,
          take: RESERVATION_PAGE_SIZE,
          afterOrderId,
        },
        callContext,
      );
      scanned += reservations.length;
      const orderIds = reservations.map((reservation) => reservation.orderId);
      const statuses = await repository.findOrderStatuses(this.options.database, orderIds);
      const missing = orderIds.flatMap((orderId): QueuedReservationEffect[] => {
        const status = statuses.get(orderId);
        const effect = status === undefined ? "release_reservation" : reservationEffectOf(status);
        return effect ? [{ orderId, effect }] : [];
      });
      orphans += missing.length;
      await repository.enqueueReservationEffects(this.options.database, missing);
      if (reservations.length < RESERVATION_PAGE_SIZE) return { scanned, orphans };
      afterOrderId = orderIds[orderIds.length - 1]!;
    }
  }
}
