import { counter, histogram } from "@polyscale/platform";

/** Reservations refused because a product had less stock than asked for. */
export const stockRefusals = counter({
  name: "polyscale_stock_refusals_total",
  help: "Stock reservations refused because a product had less stock than an order asked for",
});

/** Time the search engine takes to rank one query, by engine (postgres or elasticsearch). */
export const searchDuration = histogram({
  name: "polyscale_search_duration_seconds",
  help: "Time the search engine takes to answer one search, by engine",
  labelNames: ["engine"] as const,
});
