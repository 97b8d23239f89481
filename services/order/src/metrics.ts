import { counter } from "@polyscale/platform";
import type { OrderStatus } from "./model.js";

const orders = counter({
  name: "polyscale_orders_total",
  help: "Orders placed, and orders moved to each status (paid, cancelled, expired, fulfilled, refunded)",
  labelNames: ["event"] as const,
});

/** Counts orders placed, or orders that have just moved to a status (after the change was stored). */
export function countOrderEvent(event: "placed" | OrderStatus, orderCount = 1): void {
  if (orderCount > 0) orders.inc({ event }, orderCount);
}
