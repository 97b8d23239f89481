import type { Database } from "@polyscale/platform";
import { productColumns, toProduct, type ProductRow } from "../repository/rows.js";
import { browseStatement } from "./postgres-browse.js";
import { Parameters, searchFilters } from "./postgres-filters.js";
import { textSearchStatement } from "./postgres-text-search.js";
import type { SearchQuery, SearchResult } from "../model.js";
import { OPTION_FACET_LIMIT, PRICE_BUCKET_BOUNDS, toOptionFacets, type SearchEngine } from "./search-engine.js";

interface SearchRow extends ProductRow {
  total: number;
  total_scale: number;
  /** Matches known to exist when the total is an estimate: the estimate is never below it. */
  total_known: number;
  facets_exact: boolean;
  category_facets: Array<{ category_id: string; count: number }> | null;
  price_facets: Array<{ bucket: number; count: number }> | null;
  option_facets: Array<{ key: string; count: number }> | null;
  option_facets_exact: boolean;
}

export interface PostgresSearchEngineOptions {
  /** The product service's database: the products table, its text-search and btree indexes, product_counts. */
  database: Database;
}

/**
 * Search on PostgreSQL full text (the default engine), in one statement per search that returns
 * the page's products with the counts and facets. buildSearchStatement assembles it from the query's filters
 * (postgres-filters.ts) and either the text search's part (postgres-text-search.ts) or browsing's (postgres-browse.ts).
 *
 * Matching (sql/130_search_relevance.sql): every word must match, through its English stem or as written (accents and
 * case folded, any script); a word the catalogue does not know also matches known words one or two edits away and,
 * as the last word, every word it begins. English stop words are dropped unless the query is only stop words ("We").
 * Quotes, -word and "or" switch to web-search syntax (phrases, exclusions), without typo or prefix matching.
 *
 * Bounded work: one read of the GIN index yields at most EXACT_COUNT_LIMIT + 1 matches of the words (in table order,
 * in stock if asked); the category and price filters apply to those. When the words match no more, counts and facets
 * are exact; otherwise they are extrapolated from how far into the table those matches reached, unless the filters
 * keep fewer than RANKED_CANDIDATES of them: then the filtered matches are read (up to the limit, exact below it).
 * Relevance ranks the first RANKED_CANDIDATES filtered matches plus every exact title match (found by its own
 * index). Browsing without text pages by btree index; its counts and facets come exact from product_counts (kept by
 * the product statements' triggers, sql/181_product_counts.sql), also within price bounds that leave out none of the
 * currency's prices (a cap above every price); other price bounds and in stock only are counted exactly up to the
 * limit through the btree indexes, estimated from a fixed block sample of the table beyond it.
 */
export class PostgresSearchEngine implements SearchEngine {
  readonly name = "postgres";

  constructor(private readonly options: PostgresSearchEngineOptions) {}

  /** Rejects (propagates) only database faults; any text is valid input. */
  async search(query: SearchQuery): Promise<SearchResult> {
    const statement = buildSearchStatement(query);
    const result = await this.options.database.query<SearchRow>(statement.text, statement.values, {
      prepareAs: statementName(statement.text),
    });
    const first = result.rows[0]!;
    const scaled = (count: number, scale: number) => Math.round(count * scale);
    const totalCountIsExact = first.total_scale === 1 && first.facets_exact;
    const bucketCounts = new Map((first.price_facets ?? []).map((facet) => [facet.bucket, facet.count]));
    return {
      products: result.rows.filter((row) => row.id !== null).map(toProduct),
      totalCount:
        first.total_scale === 1 ? first.total : Math.max(first.total_known, scaled(first.total, first.total_scale)),
      totalCountIsExact,
      categoryFacets: (first.category_facets ?? []).map((facet) => ({
        categoryId: facet.category_id,
        count: facet.count,
      })),
      // width_bucket numbers the buckets from 1 (prices are never negative, so never 0).
      priceFacets: PRICE_BUCKET_BOUNDS.map((minCents, index) => ({
        minCents,
        maxCents: PRICE_BUCKET_BOUNDS[index + 1],
        count: bucketCounts.get(index + 1) ?? 0,
      })),
      optionFacets: toOptionFacets(first.option_facets ?? []),
      optionFacetsAreExact: first.option_facets_exact,
    };
  }
}

/**
 * Search statements differ only in their shape (which filters, sort, text or not), never in the user's values, so
 * there are a few dozen texts at most; each gets a name, prepared once per connection. Planning one costs about as
 * much as running it for a rare word.
 */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `search_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/** The one statement of a search: its SQL text and parameter values. Exported for the query-plan tests. */
export function buildSearchStatement(query: SearchQuery): { text: string; values: unknown[] } {
  const parameters = new Parameters();
  const filters = searchFilters(query, parameters);
  const text = query.text.trim();
  const { ctes, page } = text === "" ? browseStatement(query, filters) : textSearchStatement(query, text, filters);

  const sql = `WITH ${ctes},
    page AS (SELECT id, row_number() OVER () AS position FROM (${page}) ordered),
    summary AS (
      SELECT
        (SELECT total FROM totals) AS total,
        (SELECT scale FROM totals)::float8 AS total_scale,
        (SELECT known FROM totals) AS total_known,
        (SELECT exact FROM facets_exact) AS facets_exact,
        (SELECT json_agg(facet ORDER BY facet.count DESC, facet.category_id) FROM category_facet facet)
          AS category_facets,
        (SELECT json_agg(facet) FROM price_facet facet) AS price_facets,
        (SELECT json_agg(facet) FROM (
           SELECT key, count FROM option_facet ORDER BY count DESC, key LIMIT ${OPTION_FACET_LIMIT}) facet)
          AS option_facets,
        (SELECT exact FROM option_facets_exact) AS option_facets_exact
    )
    -- The facets once, on the first row: every row would otherwise carry (and the driver parse) the same JSON.
    SELECT summary.total, summary.total_scale, summary.total_known, summary.facets_exact,
      CASE WHEN coalesce(page.position, 1) = 1 THEN summary.category_facets END AS category_facets,
      CASE WHEN coalesce(page.position, 1) = 1 THEN summary.price_facets END AS price_facets,
      CASE WHEN coalesce(page.position, 1) = 1 THEN summary.option_facets END AS option_facets,
      summary.option_facets_exact,
      ${productColumns("p")}
    FROM summary
    LEFT JOIN page ON true
    LEFT JOIN products p ON p.id = page.id
    ORDER BY page.position`;
  return { text: sql, values: parameters.values };
}
