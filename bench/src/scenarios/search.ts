import { performance } from "node:perf_hooks";
import type { BenchContext } from "../context.js";
import { runClosedLoop, type LoadResult } from "../load.js";
import { summarizeLatencies, type LatencySummary } from "../stats.js";

/**
 * Search over the seeded catalogue with a mix of what shoppers type: rare words, common words, two words, a prefix
 * (search as you type) and typos. The words come from the catalogue itself (sampled product names, ranked by how
 * many products match), so the mix stays meaningful whatever vocabulary the seed uses.
 */

export type SearchKind = "rare" | "common" | "twoWords" | "prefix" | "typo";

export interface SearchQueryMix {
  queries: Array<{ kind: SearchKind; text: string }>;
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
 * ("running" → "runinng"); the word itself when it has no such pair.
 */
export function typoOf(word: string): string {
  const middle = Math.max(0, Math.floor(word.length / 2) - 1);
  for (let at = middle; at < word.length - 1; at++) {
    if (word[at] !== word[at + 1]) return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  }
  return word;
}

/** Builds the query mix from words ranked by how many products match each (fewest first). */
export function buildQueryMix(wordsByMatches: Array<{ word: string; matches: number }>): SearchQueryMix {
  const ranked = wordsByMatches.filter((entry) => entry.matches > 0).sort((a, b) => a.matches - b.matches);
  const rare = ranked.slice(0, PER_KIND).map((entry) => entry.word);
  const common = ranked
    .slice(-PER_KIND)
    .reverse()
    .map((entry) => entry.word);
  const queries: SearchQueryMix["queries"] = [
    ...rare.map((text) => ({ kind: "rare" as const, text })),
    ...common.map((text) => ({ kind: "common" as const, text })),
    ...common
      .map((word, index) => [word, rare[index]] as const)
      .filter(([word, other]) => other !== undefined && other !== word)
      .map(([word, other]) => ({ kind: "twoWords" as const, text: `${word} ${other}` })),
    ...common.map((word) => ({ kind: "prefix" as const, text: word.slice(0, 3) })),
    ...[...new Set([...rare, ...common])]
      .filter((word) => word.length >= 5 && typoOf(word) !== word)
      .slice(0, PER_KIND)
      .map((word) => ({ kind: "typo" as const, text: typoOf(word) })),
  ];
  return { queries };
}

/** Samples product names across the catalogue and counts the matches of each of their words once. */
export async function prepareQueryMix(context: BenchContext): Promise<SearchQueryMix> {
  const names: string[] = [];
  const pages = 5;
  for (let page = 0; page < pages; page++) {
    const skip = Math.floor((page * context.settings.products) / pages);
    const { products } = await context.product.listProducts({ skip, take: 20 });
    names.push(...products.map((product) => product.name));
  }
  const words = [...new Set(names.flatMap(wordsOf))].slice(0, 60);
  const wordsByMatches = await Promise.all(
    words.map(async (word) => {
      const { totalCount } = await context.product.searchProducts({
        query: word,
        categoryIds: [],
        inStockOnly: false,
        sort: 0,
        skip: 0,
        take: 1,
      });
      return { word, matches: totalCount };
    }),
  );
  return buildQueryMix(wordsByMatches);
}

export async function runSearch(context: BenchContext, mix: SearchQueryMix, seconds: number): Promise<SearchRound> {
  const latencies = new Map<SearchKind, number[]>();
  const matches = new Map<SearchKind, number[]>();
  const overall = await runClosedLoop({
    concurrency: context.settings.searchClients,
    durationMs: seconds * 1000,
    maxRequests: seconds * 100_000,
    call: async (index) => {
      const { kind, text } = mix.queries[index % mix.queries.length]!;
      const start = performance.now();
      const result = await context.product.searchProducts({
        query: text,
        categoryIds: [],
        inStockOnly: false,
        sort: 0,
        skip: 0,
        take: 20,
      });
      (latencies.get(kind) ?? latencies.set(kind, []).get(kind)!).push(performance.now() - start);
      (matches.get(kind) ?? matches.set(kind, []).get(kind)!).push(result.totalCount);
    },
  });
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
