import { performance } from "node:perf_hooks";
import type { BenchContext } from "../context.js";
import { graphql } from "../gateway-http.js";
import { median, summarizeLatencies, type LatencySummary } from "../stats.js";

/**
 * A nested listing through the gateway — accounts, each with its orders, each with its products — to show DataLoader
 * batching: however many accounts the page holds, the gateway should call the order service once per query. The
 * gateway reports its downstream calls per request in a Server-Timing header.
 */

export const LISTING_QUERY = `query Listing($take: Int) {
  accounts(pagination: { take: $take }) {
    id name
    orders { id status totalPrice products { id name price quantity } }
  }
}`;

interface ListingData {
  accounts: Array<{ id: string; orders: Array<{ products: unknown[] }> }>;
}

export interface ListingRound {
  queries: number;
  accountsPerQuery: number;
  ordersPerQuery: number;
  orderedProductsPerQuery: number;
  /** Median downstream calls per query, by service; undefined when the gateway sent no Server-Timing header. */
  callsPerQuery?: Record<string, number>;
  latency: LatencySummary;
}

const PAGE = 100;

export async function runListing(context: BenchContext): Promise<ListingRound> {
  const latencies: number[] = [];
  const calls: Array<Record<string, number>> = [];
  let last: ListingData | undefined;
  const stopAt = performance.now() + context.settings.maxLoopSeconds * 1000;
  while (latencies.length < context.settings.listingQueries && performance.now() < stopAt) {
    const start = performance.now();
    const response = await graphql<ListingData>(context.gatewayUrl, LISTING_QUERY, { take: PAGE }, context.adminToken);
    latencies.push(performance.now() - start);
    calls.push(response.downstreamCalls);
    last = response.data;
  }
  const services = [...new Set(calls.flatMap((entry) => Object.keys(entry)))];
  const orders = last?.accounts.flatMap((account) => account.orders) ?? [];
  return {
    queries: latencies.length,
    accountsPerQuery: last?.accounts.length ?? 0,
    ordersPerQuery: orders.length,
    orderedProductsPerQuery: orders.reduce((sum, order) => sum + order.products.length, 0),
    callsPerQuery:
      services.length === 0
        ? undefined
        : Object.fromEntries(services.map((name) => [name, median(calls.map((entry) => entry[name] ?? 0))])),
    latency: summarizeLatencies(latencies),
  };
}
