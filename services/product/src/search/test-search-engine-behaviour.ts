import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relevanceCatalogue, relevanceQueries } from "@polyscale/tools/relevance-catalogue";
import { meanNdcgAt, RELEVANCE_CUTOFF, runRelevanceQueries } from "@polyscale/tools/relevance";
import { describeBrowseBehaviour } from "./test-search-browse-behaviour.js";
import { describeCurrencyBehaviour } from "./test-search-currency-behaviour.js";
import { describeOptionBehaviour } from "./test-search-option-behaviour.js";
import { idsOf, searchQuery, type SearchEngineFixture } from "./test-search-query.js";
import { describeTextBehaviour } from "./test-search-text-behaviour.js";

/**
 * The behaviour every SearchEngine must show, whatever it runs on. Each engine's test file calls
 * describeSearchEngineBehaviour with a setup that gives it an empty catalog to seed; each part (option filters,
 * currencies, text matching, browsing) is a file of its own and seeds its own catalogue.
 *
 * Rules pinned here, for every engine: prices filter inclusively (min <= price <= max); each facet ignores its own
 * filter (category facets apply the text, stock and price filters; price facets the text, stock and category ones);
 * category facets are ordered by count descending, then category id; ties in every sort are broken by the product
 * id (ascending for price_asc, descending otherwise).
 */
export function describeSearchEngineBehaviour(name: string, setup: () => Promise<SearchEngineFixture>): void {
  describeOptionBehaviour(name, setup);
  describeCurrencyBehaviour(name, setup);
  describeTextBehaviour(name, setup);
  describeBrowseBehaviour(name, setup);
}

/**
 * The relevance suite (@polyscale/tools/relevance): seeds the fixed catalogue, runs the judged queries by relevance and
 * asserts the mean NDCG@10 at or above `threshold`, and every kind of query on average at or above `threshold`
 * minus 0.1, so one kind cannot collapse behind the others' average. The scores per query are logged.
 */
export function describeRelevanceSuite(
  name: string,
  threshold: number,
  setup: () => Promise<SearchEngineFixture>,
): void {
  describe(`search relevance: ${name}`, () => {
    let fixture: SearchEngineFixture;
    let names: Map<string, string>;

    beforeAll(async () => {
      fixture = await setup();
      const seeded = await fixture.seed(relevanceCatalogue);
      names = new Map(seeded.map((product) => [product.id, product.name]));
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it(`ranks what shoppers mean first: mean NDCG@10 over ${relevanceQueries.length} judged queries ≥ ${threshold}`, async () => {
      const runs = await runRelevanceQueries(
        async (text, take) => idsOf(await fixture.engine.search(searchQuery({ text, take }))),
        names,
        relevanceQueries,
      );
      const mean = meanNdcgAt(RELEVANCE_CUTOFF, runs);
      const report = runs
        .filter((run) => run.ndcg < 1)
        .map((run) => `${run.ndcg.toFixed(3)}  ${run.kind}: ${run.text} → ${run.ranking.slice(0, 5).join(" | ")}`);
      console.info(`${name}: mean NDCG@10 ${mean.toFixed(3)}\n${report.join("\n")}`);
      expect(mean).toBeGreaterThanOrEqual(threshold);
      const kinds = new Set(runs.map((run) => run.kind));
      for (const kind of kinds) {
        const ofKind = runs.filter((run) => run.kind === kind);
        expect({ kind, ndcg: meanNdcgAt(RELEVANCE_CUTOFF, ofKind) >= threshold - 0.1 }).toEqual({ kind, ndcg: true });
      }
    });
  });
}
