import { Agent, request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";
import { SearchSort, type SearchProductsRequest } from "@polyscale/proto/product/v1/product";
import type { BenchContext } from "../context.js";
import { runClosedLoop, type LoadResult } from "../load.js";
import { summarizeLatencies, type LatencySummary } from "../stats.js";

/**
 * Search over the seeded catalogue with a non-repeating mix of what shoppers do: rare words, common words, two words,
 * a prefix (search as you type), typos, a common word with a lower price bound and in stock only, a common word within a
 * category (facet click), and browsing a category without text. The words come from the catalogue itself (sampled
 * product names, ranked by how many products match), so the mix stays meaningful whatever vocabulary the seed uses.
 * Every request is generated fresh (random words, typo positions, prefix lengths, price bounds) and carries a price
 * cap of its own, above every price, so no two requests of a run are alike and a result cache could never hit.
 * Requests go through the gateway as a shop's front end sends them (REST `GET /products`, whose price bounds are in
 * minor units), so search ÷ point reads compares two requests of the same public HTTP API.
 */

export const SEARCH_KINDS = ["rare", "common", "twoWords", "prefix", "typo", "filtered", "faceted", "browse"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** The material requests are generated from: words ranked by matches, and categories of the catalogue. */
export interface SearchQueryMix {
  rare: string[];
  common: string[];
  categoryIds: string[];
  /** Requests generated so far (across rounds), which makes each price cap unique. */
  issued: number;
}

export interface SearchRound {
  overall: LoadResult;
  byKind: Partial<Record<SearchKind, { latency: LatencySummary; meanMatches: number }>>;
}

const PER_KIND = 8;

/** Words of letters only, lowercased, long enough to be words rather than stop words or sizes. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((word, index, all) => all.indexOf(word) === index);
}

/**
 * A typo a shopper makes: two neighbouring, different letters swapped, from the middle of the word onwards
 * ("running" → "runinng"), at `from` or after it; the word itself when it has no such pair.
 */
export function typoOf(word: string, from = Math.max(0, Math.floor(word.length / 2) - 1)): string {
  for (let at = Math.min(from, word.length - 2); at < word.length - 1; at++) {
    if (word[at] !== word[at + 1]) return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  }
  return word;
}

/** Picks the rarest and the commonest words that match anything, from words ranked by how many products match. */
export function buildQueryMix(
  wordsByMatches: Array<{ word: string; matches: number }>,
  categoryIds: string[],
): SearchQueryMix {
  const ranked = wordsByMatches.filter((entry) => entry.matches > 0).sort((a, b) => a.matches - b.matches);
  return {
    rare: ranked.slice(0, PER_KIND).map((entry) => entry.word),
    common: ranked
      .slice(-PER_KIND)
      .reverse()
      .map((entry) => entry.word),
    categoryIds: [...new Set(categoryIds.filter((id) => id !== ""))],
    issued: 0,
  };
}

const PRICE_CAP = 1_000_000_000;

/**
 * The next request of the mix: kinds in turn, each drawn at random (`random` in [0, 1)), with a price cap of its own
 * (PRICE_CAP + the request's number, above every price, so it filters nothing) unless the kind sets a real one.
 */
export function nextSearch(
  mix: SearchQueryMix,
  random: () => number = Math.random,
): { kind: SearchKind; request: SearchProductsRequest } {
  const n = mix.issued++;
  const kind = SEARCH_KINDS[n % SEARCH_KINDS.length]!;
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!;
  const common = pick(mix.common);
  const request: SearchProductsRequest = {
    query: "",
    categoryIds: [],
    inStockOnly: false,
    options: [],
    sort: 0,
    skip: 0,
    take: 20,
    maxPriceCents: PRICE_CAP + n,
  };
  switch (kind) {
    case "rare":
      return { kind, request: { ...request, query: pick(mix.rare) } };
    case "common":
      return { kind, request: { ...request, query: common } };
    case "twoWords":
      return { kind, request: { ...request, query: `${common} ${pick(mix.rare)}` } };
    case "prefix":
      return { kind, request: { ...request, query: common.slice(0, 3 + Math.floor(random() * 3)) } };
    case "typo": {
      const word = pick([...mix.rare, ...mix.common].filter((candidate) => candidate.length >= 5));
      return { kind, request: { ...request, query: typoOf(word, 1 + Math.floor(random() * (word.length - 2))) } };
    }
    case "filtered":
      // A lower price bound and in stock only; the upper bound stays the request's own cap.
      return {
        kind,
        request: { ...request, query: common, minPriceCents: 1_000 + Math.floor(random() * 5_000), inStockOnly: true },
      };
    case "faceted":
      return { kind, request: { ...request, query: common, categoryIds: [pick(mix.categoryIds)] } };
    case "browse":
      return { kind, request: { ...request, categoryIds: [pick(mix.categoryIds)], sort: random() < 0.5 ? 0 : 4 } };
  }
}

/** The gateway's REST search URL path for a request of the mix (prices in minor units, as the REST API takes them). */
export function searchPath(request: SearchProductsRequest): string {
  const query = new URLSearchParams();
  if (request.query !== "") query.set("q", request.query);
  for (const id of request.categoryIds) query.append("category", id);
  if (request.minPriceCents !== undefined) query.set("minPrice", String(request.minPriceCents));
  if (request.maxPriceCents !== undefined) query.set("maxPrice", String(request.maxPriceCents));
  if (request.inStockOnly) query.set("inStock", "true");
  if (request.sort === SearchSort.SEARCH_SORT_NEWEST) query.set("sort", "newest");
  query.set("skip", String(request.skip));
  query.set("take", String(request.take));
  return `/products?${query}`;
}

/**
 * GET of a JSON body over a keep-alive connection; rejects on a status other than 200 or after 10 s. node:http
 * directly, not fetch: the load generator shares the machine's cores with the system it measures.
 */
function getJson<Body>(agent: Agent, url: URL): Promise<Body> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { agent, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (response.statusCode === 200) resolve(JSON.parse(text) as Body);
        else reject(new Error(`GET ${url.pathname}: ${response.statusCode} ${text.slice(0, 200)}`));
      });
      response.on("error", reject);
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error(`GET ${url.pathname}: no answer in 10 s`)));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** Samples product names across the catalogue and counts the matches of each of their words once. */
export async function prepareQueryMix(context: BenchContext): Promise<SearchQueryMix> {
  const names: string[] = [];
  const categoryIds: string[] = [];
  const pages = 5;
  for (let page = 0; page < pages; page++) {
    const skip = Math.floor((page * context.settings.products) / pages);
    const { products } = await context.product.listProducts({ skip, take: 20 });
    names.push(...products.map((product) => product.name));
    categoryIds.push(...products.map((product) => product.categoryId));
  }
  const words = [...new Set(names.flatMap(wordsOf))].slice(0, 60);
  const wordsByMatches = await Promise.all(
    words.map(async (word) => {
      const { totalCount } = await context.product.searchProducts({
        query: word,
        categoryIds: [],
        inStockOnly: false,
        options: [],
        sort: 0,
        skip: 0,
        take: 1,
      });
      return { word, matches: totalCount };
    }),
  );
  return buildQueryMix(wordsByMatches, categoryIds);
}

export async function runSearch(context: BenchContext, mix: SearchQueryMix, seconds: number): Promise<SearchRound> {
  const latencies = new Map<SearchKind, number[]>();
  const matches = new Map<SearchKind, number[]>();
  const agent = new Agent({ keepAlive: true, maxSockets: context.settings.searchClients });
  const overall = await runClosedLoop({
    concurrency: context.settings.searchClients,
    durationMs: seconds * 1000,
    maxRequests: seconds * 100_000,
    call: async () => {
      const { kind, request } = nextSearch(mix);
      const start = performance.now();
      const result = await getJson<{ totalCount: number }>(agent, new URL(searchPath(request), context.gatewayUrl));
      (latencies.get(kind) ?? latencies.set(kind, []).get(kind)!).push(performance.now() - start);
      (matches.get(kind) ?? matches.set(kind, []).get(kind)!).push(result.totalCount);
    },
  }).finally(() => agent.destroy());
  const byKind: SearchRound["byKind"] = {};
  for (const [kind, values] of latencies) {
    const counts = matches.get(kind)!;
    byKind[kind] = {
      latency: summarizeLatencies(values),
      meanMatches: counts.reduce((a, b) => a + b, 0) / counts.length,
    };
  }
  return { overall, byKind };
}
