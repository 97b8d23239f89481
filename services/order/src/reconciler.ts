import { randomUUID } from "node:crypto";
import { ReservationStatus, type ProductClient } from "@polyscale/product";
import { describeError, type Database, type Logger } from "@polyscale/platform";
import { reservationEffectOf } from "./order-status.js";
import * as repository from "./repository.js";

/** Most reservations looked at per run; the oldest come first, so a backlog drains over several runs. */
const RESERVATIONS_PER_RUN = 1000;

export interface ReconcilerOptions {
  database: Database;
  products: ProductClient;
  logger: Logger;
  /** Reservations and idempotency claims younger than this are left alone: their request may still be running. */
  reservationTimeoutSeconds: number;
  intervalMs: number;
}

export interface ReconcileResult {
  released: number;
  committed: number;
  abandonedClaimsDeleted: number;
}

/**
 * Finishes what a failed call or a dead process left behind between this service and the product service:
 * - a held reservation whose order was never stored (the process died between reserving and storing) is released;
 * - a held reservation whose order is paid, fulfilled or refunded is committed, and one whose order is cancelled is
 *   released (the call after the status change failed);
 * - an idempotency claim whose order never appeared is deleted, so the key can be used again.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      // Runs never overlap: a slow run makes the next tick skip.
      if (this.running) return;
      this.running = this.reconcileOnce()
        .catch((error: unknown) => this.options.logger.warn({ err: describeError(error) }, "reconciliation failed"))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the interval and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async reconcileOnce(): Promise<ReconcileResult> {
    const cutoff = new Date(Date.now() - this.options.reservationTimeoutSeconds * 1000);
    const callContext = { requestId: `reconcile-${randomUUID()}` };
    const { reservations } = await this.options.products.listReservations(
      { status: ReservationStatus.RESERVATION_STATUS_HELD, createdBefore: cutoff, take: RESERVATIONS_PER_RUN },
      callContext,
    );
    const statuses = await repository.findOrderStatuses(
      this.options.database,
      reservations.map((reservation) => reservation.orderId),
    );
    const result: ReconcileResult = { released: 0, committed: 0, abandonedClaimsDeleted: 0 };
    for (const { orderId } of reservations) {
      const status = statuses.get(orderId);
      const effect = status === undefined ? "releaseReservation" : reservationEffectOf(status);
      if (!effect) continue;
      try {
        await this.options.products[effect]({ orderId }, callContext);
        if (effect === "releaseReservation") result.released += 1;
        else result.committed += 1;
      } catch (error) {
        // One bad reservation must not stop the others; the next run tries it again.
        this.options.logger.warn({ orderId, effect, err: describeError(error) }, "reconciling a reservation failed");
      }
    }
    result.abandonedClaimsDeleted = await repository.deleteAbandonedIdempotencyClaims(this.options.database, cutoff);
    if (result.released + result.committed + result.abandonedClaimsDeleted > 0) {
      this.options.logger.info(result, "reconciled");
    }
    return result;
  }
}
