import { AppError } from "@polyscale/platform";
import { describe, expect, it } from "vitest";
import { ORDER_STATUSES } from "./model.js";
import { ORDER_TRANSITIONS, reservationEffectOf, transitionFor } from "./order-status.js";

const allowed = new Set(ORDER_TRANSITIONS.map((transition) => `${transition.from}->${transition.to}`));
const allPairs = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => ({ from, to })));

describe("order status transitions", () => {
  it("allows exactly the five transitions of the lifecycle, with their reservation effects", () => {
    expect(ORDER_TRANSITIONS).toEqual([
      { from: "pending_payment", to: "paid", effect: "commit_reservation" },
      { from: "pending_payment", to: "cancelled", effect: "release_reservation" },
      { from: "pending_payment", to: "expired", effect: "release_reservation" },
      { from: "paid", to: "fulfilled" },
      { from: "paid", to: "refunded" },
    ]);
  });

  it.each(ORDER_TRANSITIONS.map((transition) => [transition.from, transition.to, transition] as const))(
    "moves %s to %s",
    (from, to, transition) => {
      expect(transitionFor(from, to)).toBe(transition);
    },
  );

  it.each(allPairs.filter(({ from, to }) => !allowed.has(`${from}->${to}`)).map(({ from, to }) => [from, to]))(
    "refuses %s to %s with FAILED_PRECONDITION",
    (from, to) => {
      let thrown: unknown;
      try {
        transitionFor(from, to);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe("FAILED_PRECONDITION");
      expect((thrown as AppError).message).toBe(`cannot move order from ${from} to ${to}`);
    },
  );

  it("refuses 31 of the 36 status pairs", () => {
    expect(allPairs.filter(({ from, to }) => !allowed.has(`${from}->${to}`))).toHaveLength(31);
  });

  it("knows what each status means for the stock reservation", () => {
    expect(Object.fromEntries(ORDER_STATUSES.map((status) => [status, reservationEffectOf(status)]))).toEqual({
      pending_payment: undefined,
      paid: "commit_reservation",
      fulfilled: "commit_reservation",
      cancelled: "release_reservation",
      refunded: "commit_reservation",
      expired: "release_reservation",
    });
  });
});
