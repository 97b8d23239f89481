import type { ProductClient } from "@polyscale/product";
import { AppError, describeError, type Database, type Logger, type RequestContext } from "@polyscale/platform";
import type { QueuedReservationEffect, ReservationEffect } from "./model.js";
import * as repository from "./repository.js";

/** Effects claimed per round of a drain. */
const CLAIM_BATCH = 100;
/** Calls to the product service in flight at once while draining. */
const DRAIN_CONCURRENCY = 8;
/** How long a claimed effect is left to the replica that claimed it before another may take it. */
const LEASE_SECONDS = 60;
/** Longest wait between two attempts of one effect. */
const MAX_BACKOFF_SECONDS = 60;
/**
 * Share of the caller's remaining time that the attempt made inside a request may use. The change it follows is
 * already committed, so the caller must get its answer even when the product service hangs: the attempt gives up
 * in time and leaves the effect queued.
 */
const INLINE_ATTEMPT_SHARE = 0.5;
/** Longest attempt inside a request, whatever the caller's deadline. */
const INLINE_ATTEMPT_MAX_MS = 1000;

/** What became of one attempt. */
export type EffectOutcome = "applied" | "settled" | "retry";

export interface DrainResult {
  released: number;
  committed: number;
  /** Effects that failed this time and wait for their next attempt. */
  failed: number;
}

/**
 * What an attempt runs under: the request's id and deadline, and its logger. Never an end user's token: the product
 * service's reservation calls are internal.
 */
export type EffectContext = Pick<RequestContext, "requestId" | "deadline" | "logger">;

/**
 * Applies effects on stock reservations (release, commit) that the order service has decided and queued durably in
 * pending_reservation_effects. An effect leaves the queue only once the product service has applied it, or has
 * answered that it never can (the reservation does not exist, or was settled the other way); any other failure
 * (product service down, slow, erroring) keeps it queued with a backoff. Release and commit are idempotent in the
 * product service, so an effect applied twice (a lease that ran out) changes nothing the second time.
 */
export interface ReservationEffectsOptions {
  database: Database;
  products: ProductClient;
}

export class ReservationEffects {
  constructor(private readonly options: ReservationEffectsOptions) {}

  /**
   * One attempt at a queued effect, made by the request that queued it so the stock moves before it answers. Never
   * throws: a failure is logged and the queue keeps the effect for the reconciler.
   */
  async attempt(context: EffectContext, queued: QueuedReservationEffect): Promise<EffectOutcome> {
    const { orderId, effect } = queued;
    try {
      const outcome = await this.call({ ...context, deadline: inlineAttemptDeadline(context.deadline) }, queued);
      if (outcome !== "retry") await repository.deleteReservationEffect(this.options.database, orderId);
      return outcome;
    } catch (error) {
      context.logger.warn({ orderId, effect, err: describeError(error) }, "reservation effect failed; it stays queued");
      return "retry";
    }
  }

  /** Claims and applies every due effect, batch after batch, until none is due. */
  async drain(logger: Logger): Promise<DrainResult> {
    const result: DrainResult = { released: 0, committed: 0, failed: 0 };
    const context = { requestId: `reservation-effects-${Date.now()}`, logger };
    for (;;) {
      const claimed = await repository.claimDueReservationEffects(this.options.database, CLAIM_BATCH, LEASE_SECONDS);
      for (let start = 0; start < claimed.length; start += DRAIN_CONCURRENCY) {
        await Promise.all(
          claimed.slice(start, start + DRAIN_CONCURRENCY).map(async ({ orderId, effect, attempts }) => {
            let outcome: EffectOutcome;
            let failure = "";
            try {
              outcome = await this.call(context, { orderId, effect });
            } catch (error) {
              outcome = "retry";
              const { type, message } = describeError(error);
              failure = `${type}: ${message}`;
            }
            if (outcome === "retry") {
              result.failed += 1;
              const delay = Math.min(2 ** (attempts - 1), MAX_BACKOFF_SECONDS);
              await repository.postponeReservationEffect(this.options.database, orderId, delay, failure);
              return;
            }
            if (outcome === "applied") {
              if (effect === "release_reservation") result.released += 1;
              else result.committed += 1;
            }
            await repository.deleteReservationEffect(this.options.database, orderId);
          }),
        );
      }
      if (claimed.length < CLAIM_BATCH) return result;
    }
  }

  /** Calls the product service; throws only for failures worth retrying. */
  private async call(context: EffectContext, { orderId, effect }: QueuedReservationEffect): Promise<EffectOutcome> {
    try {
      const { requestId, deadline } = context;
      await this.options.products[PRODUCT_CALLS[effect]]({ orderId }, { requestId, deadline });
      return "applied";
    } catch (error) {
      if (!(error instanceof AppError) || !SETTLED_CODES.has(error.code)) throw error;
      // A release of a reservation that was never made (the reserve call failed) has nothing to do. Anything else here
      // is an order whose stock ended the other way: retrying cannot change it, an operator must look.
      const nothingToRelease = effect === "release_reservation" && error.code === "NOT_FOUND";
      if (!nothingToRelease) {
        context.logger.error({ orderId, effect, err: describeError(error) }, "reservation effect can never be applied");
      }
      return "settled";
    }
  }
}

/** The deadline of an attempt made inside a request: a share of the caller's remaining time, at most one second. */
function inlineAttemptDeadline(callerDeadline: Date | undefined): Date {
  const now = Date.now();
  const remaining = callerDeadline ? Math.max(0, callerDeadline.getTime() - now) : Number.POSITIVE_INFINITY;
  return new Date(now + Math.min(remaining * INLINE_ATTEMPT_SHARE, INLINE_ATTEMPT_MAX_MS));
}

/** The product service's call that applies each effect. */
const PRODUCT_CALLS = {
  release_reservation: "releaseReservation",
  commit_reservation: "commitReservation",
} as const satisfies Record<ReservationEffect, keyof ProductClient>;

/** Answers of the product service that no retry can change. */
const SETTLED_CODES = new Set(["NOT_FOUND", "FAILED_PRECONDITION"]);
