/**
 * The search relevance suite, shared by the product service's search tests (every engine must reach
 * RELEVANCE_THRESHOLD) and the benchmark (which reports the score per run): NDCG@10 over the judged queries of
 * relevance-catalogue.ts. Not a part of any service, so no image carries it.
 */

/**
 * Ranking quality: normalised discounted cumulative gain at a cut-off (NDCG@k), the standard graded metric of
 * information retrieval — Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR techniques", ACM TOIS 20(4),
 * 2002, in the exponential-gain form of Burges et al., "Learning to rank using gradient descent", ICML 2005:
 *
 *   DCG@k  = Σ_{i=1..k} (2^rel_i − 1) / log2(i + 1)
 *   NDCG@k = DCG@k of the ranking ÷ DCG@k of the ideal ranking (the judged items by grade, descending)
 *
 * rel_i is the grade of the item at rank i (0 when unjudged). The result lies in [0, 1]: 1 when the ranking puts the
 * judged items in grade order at the top, lower as relevant items sink or go missing.
 */
export function ndcgAt(k: number, ranking: readonly string[], grades: ReadonlyMap<string, number>): number {
  const dcg = (gains: number[]) =>
    gains.slice(0, k).reduce((sum, grade, index) => sum + (2 ** grade - 1) / Math.log2(index + 2), 0);
  const ideal = dcg([...grades.values()].sort((a, b) => b - a));
  if (ideal === 0) throw new Error("ndcgAt needs at least one item with a grade above 0");
  return dcg(ranking.map((item) => grades.get(item) ?? 0)) / ideal;
}

/** The mean of NDCG@k over queries, each given as its ranking and its grades. */
export function meanNdcgAt(
  k: number,
  runs: ReadonlyArray<{ ranking: readonly string[]; grades: ReadonlyMap<string, number> }>,
): number {
  return runs.reduce((sum, run) => sum + ndcgAt(k, run.ranking, run.grades), 0) / runs.length;
}

/** One judged query as an engine answered it: the names of its first page, in order, and the grades by name. */
export interface RelevanceRun {
  text: string;
  kind: string;
  ranking: string[];
  grades: ReadonlyMap<string, number>;
  ndcg: number;
}

/** The cut-off of the relevance suite: the first page a shopper sees. */
export const RELEVANCE_CUTOFF = 10;

/**
 * What the suite needs of an engine: the ids of the first `take` matches of `text` by relevance, in order, over the
 * relevance catalogue (USD prices, no filter). The product tests ask an engine, the benchmark a running service.
 */
export type RelevanceSearch = (text: string, take: number) => Promise<string[]>;

/**
 * Runs every judged query (relevance-catalogue.ts) and scores each with NDCG@10. `names` maps a product id to its
 * (unique) name, as the grades name products.
 */
export async function runRelevanceQueries(
  search: RelevanceSearch,
  names: ReadonlyMap<string, string>,
  queries: ReadonlyArray<{ text: string; kind: string; grades: Record<string, number> }>,
): Promise<RelevanceRun[]> {
  const runs: RelevanceRun[] = [];
  for (const query of queries) {
    const ranking = (await search(query.text, RELEVANCE_CUTOFF)).map((id) => names.get(id) ?? id);
    const grades = new Map(Object.entries(query.grades));
    runs.push({ text: query.text, kind: query.kind, ranking, grades, ndcg: ndcgAt(RELEVANCE_CUTOFF, ranking, grades) });
  }
  return runs;
}

/** The suite's score: mean NDCG@10 over every judged query and per kind of query. */
export interface RelevanceScore {
  queries: number;
  meanNdcg: number;
  byKind: Record<string, number>;
}

export function relevanceScore(runs: readonly RelevanceRun[]): RelevanceScore {
  const kinds = [...new Set(runs.map((run) => run.kind))];
  return {
    queries: runs.length,
    meanNdcg: meanNdcgAt(RELEVANCE_CUTOFF, runs),
    byKind: Object.fromEntries(
      kinds.map((kind) => [
        kind,
        meanNdcgAt(
          RELEVANCE_CUTOFF,
          runs.filter((run) => run.kind === kind),
        ),
      ]),
    ),
  };
}

/**
 * The mean NDCG@10 the relevance suite asserts on every engine: what the PostgreSQL engine reliably achieves on the
 * relevance catalogue (0.957, deterministic, on PostgreSQL 15), minus a small margin. Raise it when ranking improves;
 * never lower it to let a change land.
 */
export const RELEVANCE_THRESHOLD = 0.93;
