import { performance } from "node:perf_hooks";
import { AppError } from "@polyscale/platform";
import { OrderStatus, type Order } from "@polyscale/order";
import { ReservationStatus, type Reservation } from "@polyscale/product";
import type { BenchContext } from "../context.js";
import { pickAtRandom } from "../context.js";
import { summarizeLatencies, type LatencySummary } from "../stats.js";

/**
 * Contended checkout: every buyer places orders (PlaceOrder straight to the order service) for a few fresh "hot"
 * products at once until all of them are sold out. Then the books must balance: nothing sold twice, no stock held
 * for an order that failed, and for every product initial stock = stock left + units in successful orders.
 */

export interface CheckoutIntegrity {
  /** Units sold beyond a product's initial stock (must be 0). */
  oversoldUnits: number;
  /** Units held or committed by reservations of orders that did not succeed (must be 0). */
  failedButReservedUnits: number;
  /** Σ over products of |initial − left − sold| (must be 0). */
  stockSumMismatchUnits: number;
  /** Σ over products of |units in our successful orders − units in the order service's open orders| (must be 0). */
  orderServiceMismatchUnits: number;
  /** False when more reservations exist than one ListReservations page shows, so the check above is partial. */
  reservationsComplete: boolean;
  passed: boolean;
}

export interface CheckoutRound {
  buyers: number;
  hotProducts: number;
  initialUnits: number;
  soldUnits: number;
  /** Stock no buyer got before every product looked sold out to them (not an error). */
  unsoldUnits: number;
  orders: number;
  /** Refused for short stock (FAILED_PRECONDITION): the expected losers of the race. */
  refusals: number;
  /** Any other failure, e.g. a deadline or a deadlock surfacing as INTERNAL. */
  unexpectedErrors: number;
  firstUnexpectedError?: string;
  seconds: number;
  ordersPerSecond: number;
  /** Latency of the successful orders. */
  latency: LatencySummary;
  integrity: CheckoutIntegrity;
}

interface PlacedLine {
  productId: string;
  quantity: number;
}

/** One order in five names two hot products, so rows are also locked in pairs (in id order, or they deadlock). */
const TWO_LINE_SHARE = 0.2;

function unitsByProduct(lines: Iterable<PlacedLine>, productIds: ReadonlySet<string>): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) {
    if (productIds.has(line.productId)) units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  }
  return units;
}

export async function runContendedCheckout(context: BenchContext, round: number): Promise<CheckoutRound> {
  const { settings } = context;
  const hot = await Promise.all(
    Array.from({ length: settings.hotProducts }, async (_, index) => {
      const { product } = await context.product.createProduct({
        name: `Bench hot item ${round}.${index + 1}`,
        description: "A limited run everyone wants at once.",
        priceCents: 1999,
        currency: "USD",
        categoryId: "",
        stock: settings.stockPerHotProduct,
      });
      return product!.id;
    }),
  );
  const hotIds = new Set(hot);
  // A product is taken off the menu once a one-line order for it is refused: stock never comes back in this race.
  const soldOut = new Set<string>();
  const placed = new Map<string, PlacedLine[]>();
  const latencies: number[] = [];
  let refusals = 0;
  let unexpectedErrors = 0;
  let firstUnexpectedError: string | undefined;
  const maxAttemptsPerBuyer = settings.hotProducts * settings.stockPerHotProduct * 4;
  const begin = performance.now();
  const stopAt = begin + settings.maxLoopSeconds * 1000;

  const buyer = async (accountId: string) => {
    for (let attempt = 0; attempt < maxAttemptsPerBuyer && performance.now() < stopAt; attempt++) {
      const available = hot.filter((id) => !soldOut.has(id));
      if (available.length === 0) return;
      const first = pickAtRandom(available);
      const second = available.length > 1 && Math.random() < TWO_LINE_SHARE ? pickAtRandom(available) : undefined;
      const lines = [{ productId: first, quantity: 1 }];
      if (second && second !== first) lines.push({ productId: second, quantity: 1 });
      const start = performance.now();
      try {
        const { order } = await context.order.placeOrder({ accountId, lines, idempotencyKey: "" });
        latencies.push(performance.now() - start);
        placed.set(order!.id, lines);
      } catch (error) {
        if (error instanceof AppError && error.code === "FAILED_PRECONDITION") {
          refusals += 1;
          if (lines.length === 1) soldOut.add(first);
        } else {
          unexpectedErrors += 1;
          firstUnexpectedError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }
  };
  await Promise.all(context.buyerIds.slice(0, settings.buyers).map(buyer));
  const seconds = (performance.now() - begin) / 1000;

  const integrity = await checkIntegrity(context, hot, hotIds, placed);
  const initialUnits = settings.hotProducts * settings.stockPerHotProduct;
  const soldUnits = [...placed.values()].flat().reduce((sum, line) => sum + line.quantity, 0);
  return {
    buyers: Math.min(settings.buyers, context.buyerIds.length),
    hotProducts: hot.length,
    initialUnits,
    soldUnits,
    unsoldUnits: integrity.unitsLeft,
    orders: placed.size,
    refusals,
    unexpectedErrors,
    firstUnexpectedError,
    seconds,
    ordersPerSecond: placed.size / seconds,
    latency: summarizeLatencies(latencies),
    integrity: integrity.result,
  };
}

/** Reservations page size: ListReservations caps `take` at 1000. */
const RESERVATIONS_PAGE = 1000;
const BUYERS_PER_ORDER_LISTING = 5;

async function checkIntegrity(
  context: BenchContext,
  hot: string[],
  hotIds: ReadonlySet<string>,
  placed: ReadonlyMap<string, PlacedLine[]>,
): Promise<{ result: CheckoutIntegrity; unitsLeft: number }> {
  const initial = context.settings.stockPerHotProduct;
  const sold = unitsByProduct([...placed.values()].flat(), hotIds);
  const { products } = await context.product.getProducts({ ids: hot });
  const left = new Map(products.map((product) => [product.id, product.stock]));

  let oversoldUnits = 0;
  let stockSumMismatchUnits = 0;
  for (const id of hot) {
    const soldUnits = sold.get(id) ?? 0;
    oversoldUnits += Math.max(0, soldUnits - initial);
    stockSumMismatchUnits += Math.abs(initial - (left.get(id) ?? 0) - soldUnits);
  }

  // Reservations still taking stock (held) or sold (committed) must all belong to orders that succeeded.
  const createdBefore = new Date(Date.now() + 60_000);
  const reservations: Reservation[] = [];
  let reservationsComplete = true;
  for (const status of [ReservationStatus.RESERVATION_STATUS_HELD, ReservationStatus.RESERVATION_STATUS_COMMITTED]) {
    const page = await context.product.listReservations({
      status,
      createdBefore,
      take: RESERVATIONS_PAGE,
      afterOrderId: "",
    });
    if (page.reservations.length === RESERVATIONS_PAGE) reservationsComplete = false;
    reservations.push(...page.reservations);
  }
  const unitsOfFailedOrders = unitsByProduct(
    reservations.filter((reservation) => !placed.has(reservation.orderId)).flatMap((reservation) => reservation.lines),
    hotIds,
  );
  const failedButReservedUnits = [...unitsOfFailedOrders.values()].reduce((a, b) => a + b, 0);

  // The order service's own books: open (not cancelled) orders of the buyers, counted on the hot products. A few
  // buyers per call: each answer holds every order of its buyers since the run began, and all of them passed gRPC's
  // 4 MiB message limit after some 11,000 orders.
  const orders: Order[] = [];
  for (let start = 0; start < context.buyerIds.length; start += BUYERS_PER_ORDER_LISTING) {
    const accountIds = context.buyerIds.slice(start, start + BUYERS_PER_ORDER_LISTING);
    const { accounts } = await context.order.listOrdersForAccounts({ accountIds });
    for (const entry of accounts) orders.push(...entry.orders);
  }
  const openOrders = orders.filter((order) => order.status !== OrderStatus.ORDER_STATUS_CANCELLED);
  const recorded = unitsByProduct(
    openOrders.flatMap((order) => order.lines),
    hotIds,
  );
  let orderServiceMismatchUnits = 0;
  for (const id of hot) orderServiceMismatchUnits += Math.abs((recorded.get(id) ?? 0) - (sold.get(id) ?? 0));

  const passed = [oversoldUnits, failedButReservedUnits, stockSumMismatchUnits, orderServiceMismatchUnits].every(
    (units) => units === 0,
  );
  return {
    result: {
      oversoldUnits,
      failedButReservedUnits,
      stockSumMismatchUnits,
      orderServiceMismatchUnits,
      reservationsComplete,
      passed,
    },
    unitsLeft: [...left.values()].reduce((a, b) => a + b, 0),
  };
}
