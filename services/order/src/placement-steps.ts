import type { ProductClient } from "@polyscale/product";
import {
  AppError,
  describeError,
  failedPrecondition,
  type Database,
  type ErrorCode,
  type Queryable,
  type RequestContext,
} from "@polyscale/platform";
import type { IdempotencyClaim, NewOrder, Order, VariantLine } from "./model.js";
import { requireHoldsAllow, type OrderPolicy } from "./limits.js";
import * as repository from "./repository.js";
import type { ReservationEffects } from "./reservation-effects.js";
import type { Step } from "./saga.js";

/** Failures of a call after which it may or may not have taken effect. */
const OUTCOME_UNKNOWN_CODES = new Set<ErrorCode>(["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"]);

/**
 * The steps of placing an order (placement.ts runs them in this order, in a Saga), each with its undo beside it. The
 * reconciler repairs what an undo could not finish: a reservation held without an order, a claim without one.
 */
export interface PlacementSteps {
  /** Claims the idempotency key for this request; false when another request holds it. */
  claimKey: Step<IdempotencyClaim, boolean>;
  /** Reserves the lines' stock in the product service, per variant, keyed by the order id. */
  reserveStock: Step<{ context: RequestContext; orderId: string; lines: VariantLine[] }, void>;
  /** Stores the order and, for a checkout, takes its lines out of the cart. */
  storeOrder: Step<{ order: NewOrder; lines: VariantLine[]; fromCart: boolean }, Order>;
}

export interface PlacementStepsOptions {
  database: Database;
  products: ProductClient;
  effects: ReservationEffects;
  policy: OrderPolicy;
}

export function placementSteps({ database, products, effects, policy }: PlacementStepsOptions): PlacementSteps {
  return {
    claimKey: {
      name: "claimIdempotencyKey",
      // One INSERT; the database decides which of concurrent requests wins.
      invoke: (claim) => repository.claimIdempotencyKey(database, claim),
      // Gives the key up so a retry can try again; never a claim whose order was stored.
      compensate: async (claim, claimed) => {
        if (claimed) await repository.releaseIdempotencyClaim(database, claim);
      },
    },

    reserveStock: {
      name: "reserveStock",
      invoke: async ({ context, orderId, lines }) => {
        await products.reserveStock(
          { orderId, lines: lines.map(({ productId, variantId, quantity }) => ({ productId, variantId, quantity })) },
          // An internal call, without the customer's token, which the product service refuses on reservations: whose
          // order this is was checked by the order server (requireActingFor) before placement began.
          { requestId: context.requestId, deadline: context.deadline },
        );
      },
      // A refusal took nothing. After a timeout or a lost connection the reservation may exist all the same.
      mayHaveTakenEffect: (error) => !(error instanceof AppError) || OUTCOME_UNKNOWN_CODES.has(error.code),
      // The release is queued first, so a product service that is down (or answers late, after the release) costs a
      // retry, never the stock; then it is attempted at once.
      compensate: async ({ context, orderId }) => {
        try {
          await repository.enqueueReservationEffect(database, orderId, "release_reservation");
        } catch (error) {
          // The reconciler still finds the reservation: it is held, old, and has no order.
          context.logger.warn(
            { orderId, err: describeError(error) },
            "could not queue the release of a failed placement",
          );
        }
        // Compensation must not inherit a deadline that may be what just failed; it gets the client's own.
        await effects.attempt(
          { requestId: context.requestId, logger: context.logger },
          { orderId, effect: "release_reservation" },
        );
      },
    },

    // One statement (with the cart, one transaction), all or nothing: nothing of it to undo. The account's holds are
    // checked again under its lock as the order is stored, so two concurrent orders of one account cannot both fit
    // into a limit only one of them fits in.
    storeOrder: {
      name: "storeOrder",
      invoke: async ({ order, lines, fromCart }) => {
        const store = async (db: Queryable) => {
          const outcome = await repository.insertOrderWithinHolds(db, order, {
            maxUnpaidOrders: policy.maxUnpaidOrdersPerAccount,
            maxHeldUnitsPerProduct: policy.maxHeldUnitsPerProduct,
          });
          if (outcome.kind === "stored") return outcome.order;
          requireHoldsAllow(policy, outcome.holds, lines);
          throw new Error("the hold limits refused an order that the policy allows");
        };
        if (!fromCart) return store(database);
        return database.transaction(async (tx) => {
          const stored = await store(tx);
          if (!(await repository.takeFromCart(tx, order.accountId, lines))) {
            throw failedPrecondition(
              "CART_CHANGED",
              "the cart changed during checkout; review it and try again",
              "accountId",
            );
          }
          return stored;
        });
      },
    },
  };
}
