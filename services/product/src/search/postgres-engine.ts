import type { Database } from "@polyscale/platform";
import { productColumns, toProduct, type ProductRow } from "../repository.js";
import {
  EXACT_COUNT_LIMIT,
  OPTION_FACET_LIMIT,
  optionKey,
  PRICE_BUCKET_BOUNDS,
  toOptionFacets,
  type OptionFilter,
  type SearchEngine,
  type SearchQuery,
  type SearchResult,
  type SearchSortOrder,
} from "./search-engine.js";

const ORDER_BY: Record<Exclude<SearchSortOrder, "relevance">, string> = {
  // Minor units compare only within a currency: prices are grouped by currency code (sql/180_search_price_currency.sql).
  price_asc: "currency ASC, price_cents ASC, id ASC",
  price_desc: "currency DESC, price_cents DESC, id DESC",
  newest: "created_at DESC, id DESC",
};

/** Text with these characters is a web-search query (quoted phrases, -excluded words, or): websearch_to_tsquery. */
const WEBSEARCH_SYNTAX = /["]|(?:^|\s)-[\p{L}\p{N}]|\s(?:or|OR)\s/u;

/**
 * How many matches relevance ranks (besides exact title matches, always ranked): the first ones in table order, as
 * the GIN index's bitmap scan yields them. Ranking reads each candidate's vector twice (ts_rank); bounding it keeps a
 * common word's search from paying for ranking a thousand matches to show twenty. Pages beyond the ranked head list
 * the other matches by id (descending), so paging reaches every match once.
 */
export const RANKED_CANDIDATES = 200;

/**
 * Rank of a candidate: the whole text as its title (normalised) beats everything; then the text inside the title
 * ("C++", "USB-C" as written); then full-text rank of the words as typed (name 1.0, category 0.4, description 0.2)
 * counted twice, so whole words outrank the prefixes and corrections that only the loose query matches. When the
 * query has no loose terms (every word known), both ranks are the same and the second is not computed again.
 */
const RANK = `(CASE WHEN id IN (SELECT id FROM titles) THEN 8 ELSE 0 END)
  + (CASE WHEN strpos(lower(name), (SELECT lowered FROM q)) > 0 THEN 2 ELSE 0 END)
  + 2 * exact_rank
  + CASE WHEN (SELECT loose FROM q) THEN ts_rank('{0.1, 0.2, 0.4, 1.0}', search_vector, (SELECT match FROM q))
         ELSE exact_rank END`;

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

/** Collects the values of a statement and hands out their $n placeholders; user text never enters the SQL text. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Search on PostgreSQL full text (the default engine), in one statement per search that returns
 * the page's products with the counts and facets.
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

  constructor(private readonly database: Database) {}

  /** Rejects (propagates) only database faults; any text is valid input. */
  async search(query: SearchQuery): Promise<SearchResult> {
    const statement = buildSearchStatement(query);
    const result = await this.database.query<SearchRow>(statement.text, statement.values, {
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

/** The words of a query as the engine matches them one by one: runs of letters and digits ("USB-C" → USB, C). */
export function queryWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The one statement of a search: its SQL text and parameter values. Exported for the query-plan tests. */
export function buildSearchStatement(query: SearchQuery): { text: string; values: unknown[] } {
  const parameters = new Parameters();
  // A parameter only in the statements that count up to the limit (an unused one would have no type).
  let limitParameter: string | undefined;
  const limit = () => (limitParameter ??= parameters.add(EXACT_COUNT_LIMIT + 1));
  // Archived products are off sale: no search shows or counts them (nor do the browse counters, sql/210).
  const onSale = query.inStockOnly ? "archived_at IS NULL AND stock > 0" : "archived_at IS NULL";
  const category =
    query.categoryIds.length > 0 ? `category_id = ANY(${parameters.add(query.categoryIds)}::uuid[])` : "true";
  const bounded = query.minPriceCents !== undefined || query.maxPriceCents !== undefined;
  // Price bounds are in the query's currency: products priced in another one are outside them.
  const priceCurrency = bounded ? parameters.add(query.currency) : "NULL";
  const minPrice = query.minPriceCents === undefined ? undefined : parameters.add(query.minPriceCents);
  const maxPrice = query.maxPriceCents === undefined ? undefined : parameters.add(query.maxPriceCents);
  const price = [
    bounded ? `currency = ${priceCurrency}` : "true",
    minPrice === undefined ? "true" : `price_cents >= ${minPrice}`,
    maxPrice === undefined ? "true" : `price_cents <= ${maxPrice}`,
  ].join(" AND ");
  const options = optionConditions(parameters, query.options);
  const filtered = query.categoryIds.length > 0 || bounded || query.options.length > 0;
  const text = query.text.trim();
  const pageWindow = `LIMIT ${parameters.add(query.take)} OFFSET ${parameters.add(query.skip)}`;

  const facetCurrency = parameters.add(query.currency);

  // Counting CTEs: "totals" (every filter, with the factor that scales its count to the whole table, 1 = exact),
  // "category_facet" and "price_facet" (each ignoring its own filter, already scaled) and "facets_exact".
  let ctes: string;
  let page: string;
  if (text === "") {
    // Browsing: the counter table (sql/181_product_counts.sql) has every count but those within price bounds or of
    // products in stock; those are counted exactly up to the limit through the btree indexes (category, price), else
    // estimated from a fixed (REPEATABLE) block sample of about EXACT_COUNT_LIMIT rows.
    ctes = `counted AS MATERIALIZED (SELECT category_id, currency, bucket, products AS n FROM product_counts),`;
    let sampleDefined = false;
    const sampled = () => {
      if (sampleDefined) return "";
      sampleDefined = true;
      const sampling = `(SELECT least(100, 100.0 * ${limit()} / greatest(reltuples, 1)) FROM pg_class
                         WHERE oid = 'products'::regclass)`;
      return `
      facet_sample AS MATERIALIZED (
        SELECT category_id, price_cents, currency, option_keys FROM products TABLESAMPLE SYSTEM (${sampling}) REPEATABLE (0)
        WHERE ${onSale}
      ),
      facet_scale AS (SELECT 100 / ${sampling} AS scale),`;
    };
    const priceFacet = () =>
      query.inStockOnly
        ? `${sampled()}
      stocked AS MATERIALIZED (
        SELECT price_cents FROM products WHERE ${onSale} AND ${category} AND currency = ${facetCurrency} LIMIT ${limit()}
      ),
      price_facet AS (
        SELECT search_price_bucket(price_cents) AS bucket, count(*) AS count FROM stocked
        WHERE (SELECT count(*) FROM stocked) < ${limit()} GROUP BY 1
        UNION ALL
        SELECT search_price_bucket(price_cents), round(count(*) * (SELECT scale FROM facet_scale)) FROM facet_sample
        WHERE ${category} AND currency = ${facetCurrency} AND (SELECT count(*) FROM stocked) >= ${limit()} GROUP BY 1
      ),`
        : `
      price_facet AS (
        SELECT bucket, sum(n) AS count FROM counted WHERE ${category} AND currency = ${facetCurrency} GROUP BY 1
      ),`;
    const stockedExact = query.inStockOnly ? ` AND (SELECT count(*) FROM stocked) < ${limit()}` : "";
    if (query.options.length > 0) {
      // Option filters: no counter counts them. The matches, and each facet's (its own filter left out), are read
      // through the indexes (option_keys' GIN index among them) up to the limit, exact below it, else estimated
      // from the sample.
      const exactBelow = (cte: string) => `(SELECT count(*) FROM ${cte}) < ${limit()}`;
      ctes += `${sampled()}
      filtered_matches AS MATERIALIZED (
        SELECT 1 FROM products WHERE ${onSale} AND ${category} AND ${price} AND ${options.match} LIMIT ${limit()}
      ),
      totals AS (
        SELECT CASE WHEN ${exactBelow("filtered_matches")} THEN (SELECT count(*) FROM filtered_matches)
                    ELSE (SELECT count(*) FROM facet_sample WHERE ${category} AND ${price} AND ${options.match}) END
                 AS total,
               CASE WHEN ${exactBelow("filtered_matches")} THEN 1 ELSE (SELECT scale FROM facet_scale) END AS scale,
               CASE WHEN ${exactBelow("filtered_matches")} THEN 0 ELSE (SELECT count(*) FROM filtered_matches) END
                 AS known
      ),
      any_category AS MATERIALIZED (
        SELECT category_id FROM products WHERE ${onSale} AND ${price} AND ${options.match} LIMIT ${limit()}
      ),
      category_facet AS (
        SELECT category_id, count(*) AS count FROM any_category
        WHERE ${exactBelow("any_category")} AND category_id IS NOT NULL GROUP BY 1
        UNION ALL
        SELECT category_id, round(count(*) * (SELECT scale FROM facet_scale)) FROM facet_sample
        WHERE NOT ${exactBelow("any_category")} AND category_id IS NOT NULL AND ${price} AND ${options.match}
        GROUP BY 1
      ),
      any_price AS MATERIALIZED (
        SELECT price_cents FROM products
        WHERE ${onSale} AND ${category} AND ${options.match} AND currency = ${facetCurrency} LIMIT ${limit()}
      ),
      price_facet AS (
        SELECT search_price_bucket(price_cents) AS bucket, count(*) AS count FROM any_price
        WHERE ${exactBelow("any_price")} GROUP BY 1
        UNION ALL
        SELECT search_price_bucket(price_cents), round(count(*) * (SELECT scale FROM facet_scale)) FROM facet_sample
        WHERE NOT ${exactBelow("any_price")} AND ${category} AND ${options.match} AND currency = ${facetCurrency}
        GROUP BY 1
      ),
      facets_exact AS (SELECT ${exactBelow("any_category")} AND ${exactBelow("any_price")} AS exact)`;
    } else if (query.inStockOnly && !filtered) {
      // No index narrows "in stock" alone (a LIMIT scan could read the whole table when few are): the sample.
      ctes += `${sampled()}
      totals AS (SELECT count(*) AS total, (SELECT scale FROM facet_scale) AS scale, count(*) AS known FROM facet_sample),
      category_facet AS (
        SELECT category_id, round(count(*) * (SELECT scale FROM facet_scale)) AS count FROM facet_sample
        WHERE category_id IS NOT NULL GROUP BY 1
      ),
      price_facet AS (
        SELECT search_price_bucket(price_cents) AS bucket, round(count(*) * (SELECT scale FROM facet_scale)) AS count
        FROM facet_sample WHERE currency = ${facetCurrency} GROUP BY 1
      ),
      facets_exact AS (SELECT (SELECT scale FROM facet_scale) = 1 AS exact)`;
    } else if (!bounded && !query.inStockOnly) {
      ctes += `${priceFacet()}
      totals AS (SELECT coalesce(sum(n), 0)::bigint AS total, 1 AS scale, 0 AS known FROM counted WHERE ${category}),
      category_facet AS (SELECT category_id, sum(n) AS count FROM counted WHERE category_id IS NOT NULL GROUP BY 1),
      facets_exact AS (SELECT true AS exact)`;
    } else {
      // Price bounds at or beyond the currency's lowest and highest prices (a cap "up to 1,000,000") select all of its
      // products: without in stock only, the counter table counts those exactly (two index lookups decide).
      const whole = query.inStockOnly ? "false" : "(SELECT whole FROM price_bounds)";
      const wholeBounds = query.inStockOnly
        ? ""
        : `
      price_bounds AS MATERIALIZED (
        SELECT ${[
          [minPrice, "<=", "min"],
          [maxPrice, ">=", "max"],
        ]
          .filter(([bound]) => bound !== undefined)
          .map(
            ([bound, compare, extreme]) =>
              `coalesce(${bound} ${compare} (SELECT ${extreme}(price_cents) FROM products WHERE currency = ${priceCurrency}), true)`,
          )
          .join(" AND ")} AS whole
      ),`;
      ctes += `${sampled()}${priceFacet()}${wholeBounds}
      counted_in_currency AS (SELECT * FROM counted WHERE currency = ${priceCurrency}),
      priced AS MATERIALIZED (SELECT category_id FROM products WHERE ${onSale} AND ${price} LIMIT ${limit()}),
      exact_matches AS MATERIALIZED (
        SELECT 1 FROM products WHERE ${onSale} AND ${category} AND ${price} LIMIT ${limit()}
      ),
      totals AS (
        SELECT CASE WHEN ${whole} THEN (SELECT coalesce(sum(n), 0)::bigint FROM counted_in_currency WHERE ${category})
                    WHEN (SELECT count(*) FROM exact_matches) < ${limit()} THEN (SELECT count(*) FROM exact_matches)
                    ELSE (SELECT count(*) FROM facet_sample WHERE ${category} AND ${price}) END AS total,
               CASE WHEN ${whole} OR (SELECT count(*) FROM exact_matches) < ${limit()} THEN 1
                    ELSE (SELECT scale FROM facet_scale) END AS scale,
               CASE WHEN ${whole} THEN 0 ELSE (SELECT count(*) FROM exact_matches) END AS known
      ),
      facets_exact AS (SELECT ${whole} OR ((SELECT count(*) FROM priced) < ${limit()}${stockedExact}) AS exact),
      category_facet AS (${
        query.inStockOnly
          ? ""
          : `
        SELECT category_id, sum(n) AS count FROM counted_in_currency
        WHERE ${whole} AND category_id IS NOT NULL GROUP BY 1
        UNION ALL`
      }
        SELECT category_id, count(*) AS count FROM priced
        WHERE NOT ${whole} AND (SELECT count(*) FROM priced) < ${limit()} AND category_id IS NOT NULL GROUP BY 1
        UNION ALL
        SELECT category_id, round(count(*) * (SELECT scale FROM facet_scale)) FROM facet_sample
        WHERE NOT ${whole} AND (SELECT count(*) FROM priced) >= ${limit()} AND category_id IS NOT NULL AND ${price}
        GROUP BY 1
      )`;
    }
    // Option facets: the products every filter but the options' selects (of which only those with at least one of
    // two or more filtered options can count), up to the limit, else the sample. Read newest first, as browsing pages,
    // so an index bounds the read (unordered, the planner reads the table from its start, however few match).
    ctes += `,
      option_base AS MATERIALIZED (
        SELECT option_keys FROM products WHERE ${onSale} AND ${category} AND ${price} AND ${options.any}
        ORDER BY created_at DESC, id DESC LIMIT ${limit()}
      ),${sampled()}
      option_facet AS (
        SELECT key, count(*) AS count FROM option_base, unnest(option_keys) AS key
        WHERE (SELECT count(*) FROM option_base) < ${limit()} AND ${options.facet} GROUP BY 1
        UNION ALL
        SELECT key, round(count(*) * (SELECT scale FROM facet_scale)) FROM facet_sample, unnest(option_keys) AS key
        WHERE (SELECT count(*) FROM option_base) >= ${limit()} AND ${category} AND ${price} AND ${options.facet}
        GROUP BY 1
      ),
      option_facets_exact AS (SELECT (SELECT count(*) FROM option_base) < ${limit()} AS exact)`;
    const order = query.sort === "relevance" ? "id DESC" : ORDER_BY[query.sort];
    page = `SELECT id FROM products WHERE ${onSale} AND ${category} AND ${price} AND ${options.match}
            ORDER BY ${order} ${pageWindow}`;
  } else {
    // Sorting every match by age or price needs created_at; ranking reads the vector and name of its candidates
    // only, fetched again by ctid: carrying them for every match read cost a fifth of a common word's search.
    let rankedParameter: string | undefined;
    const rankedCandidates = () => (rankedParameter ??= parameters.add(RANKED_CANDIDATES));
    const columns = `id, category_id, price_cents, currency, option_keys, ctid${query.sort === "relevance" ? "" : ", created_at"}`;
    // One read of the GIN index and of at most the limit's rows: the words' matches (in stock if asked), from which
    // the filtered matches, the totals and the facets (each ignoring its own filter) are all taken. A second read
    // with the category and price filters would build the bitmap of every match of the words again; it is made only
    // when the filters leave fewer of the matches read than relevance ranks (a narrow filter on a common word): then
    // the filtered matches are read up to the limit, counted exactly below it, and ranked. Either way the ranked head
    // is the first RANKED_CANDIDATES filtered matches in table order, the same set on every page, so paging reaches
    // each match once (a threshold that depended on the page changed the head between pages).
    ctes = `${textQuery(parameters, text, /[\p{L}\p{N}]$/u.test(query.text))},
      facet_sample AS MATERIALIZED (
        SELECT ${columns} FROM products WHERE search_vector @@ (SELECT match FROM q) AND ${onSale} LIMIT ${limit()}
      ),
      facet_scale AS MATERIALIZED (SELECT ${tableOrderScale("facet_sample", limit())} AS scale),`;
    if (filtered) {
      ctes += `
      reread AS MATERIALIZED (
        SELECT (SELECT scale FROM facet_scale) <> 1
           AND (SELECT count(*) FROM facet_sample WHERE ${category} AND ${price} AND ${options.match})
               < ${rankedCandidates()} AS again
      ),
      matches AS MATERIALIZED (
        SELECT ${columns} FROM facet_sample
        WHERE NOT (SELECT again FROM reread) AND ${category} AND ${price} AND ${options.match}
        UNION ALL
        (SELECT ${columns} FROM products
         WHERE (SELECT again FROM reread) AND search_vector @@ (SELECT match FROM q) AND ${onSale} AND ${category}
           AND ${price} AND ${options.match}
         LIMIT ${limit()})
      ),
      totals AS MATERIALIZED (
        SELECT count(*) AS total, count(*) AS known,
          CASE WHEN (SELECT again FROM reread) THEN ${tableOrderScale("matches", limit())}
               ELSE (SELECT scale FROM facet_scale) END AS scale
        FROM matches
      ),`;
    } else {
      ctes += `
      matches AS (SELECT * FROM facet_sample),
      totals AS MATERIALIZED (
        SELECT count(*) AS total, (SELECT scale FROM facet_scale) AS scale, count(*) AS known FROM matches
      ),`;
    }
    ctes += `
      category_facet AS (
        SELECT category_id, round(count(*) * (SELECT scale FROM facet_scale)) AS count FROM facet_sample
        WHERE category_id IS NOT NULL AND ${price} AND ${options.match} GROUP BY 1
      ),
      price_facet AS (
        SELECT search_price_bucket(price_cents) AS bucket, round(count(*) * (SELECT scale FROM facet_scale)) AS count
        FROM facet_sample WHERE ${category} AND ${options.match} AND currency = ${facetCurrency} GROUP BY 1
      ),
      facets_exact AS (SELECT (SELECT scale FROM facet_scale) = 1 AS exact),
      option_facet AS (
        SELECT key, round(count(*) * (SELECT scale FROM facet_scale)) AS count
        FROM facet_sample, unnest(option_keys) AS key WHERE ${category} AND ${price} AND ${options.facet} GROUP BY 1
      ),
      option_facets_exact AS (SELECT (SELECT scale FROM facet_scale) = 1 AS exact)`;
    if (query.sort === "relevance") {
      // The candidates: the first matches read, and every product whose whole title is the text, wherever it lies.
      ctes += `,
      titles AS MATERIALIZED (
        SELECT id FROM products
        WHERE search_normalize(name) = (SELECT normalized FROM q) AND ${onSale} AND ${category} AND ${price}
          AND ${options.match}
      ),
      first_matches AS MATERIALIZED (
        SELECT product.id, product.search_vector, product.name
        FROM (SELECT ctid FROM matches ORDER BY ctid LIMIT ${rankedCandidates()}) first
        JOIN products product ON product.ctid = first.ctid
      ),
      candidates AS (
        SELECT id, search_vector, name FROM first_matches
        UNION ALL
        SELECT id, search_vector, name FROM products
        WHERE id IN (SELECT id FROM titles) AND id NOT IN (SELECT id FROM first_matches)
      ),
      ranked AS (
        SELECT id, ${RANK} AS rank
        FROM (SELECT *, ts_rank('{0.1, 0.2, 0.4, 1.0}', search_vector, (SELECT exact FROM q)) AS exact_rank
              FROM candidates) candidate
      )`;
      // The ranked head, then every other match newest id first: each match is on exactly one page. The second
      // branch runs only for pages beyond the head (the Append under the LIMIT stops once it has the page).
      page = `(SELECT id FROM ranked ORDER BY rank DESC, id DESC)
        UNION ALL
        (SELECT id FROM products
         WHERE search_vector @@ (SELECT match FROM q) AND ${onSale} AND ${category} AND ${price}
           AND ${options.match} AND id NOT IN (SELECT id FROM candidates)
         ORDER BY id DESC)
        ${pageWindow}`;
    } else {
      // Every match was read: sort those. Otherwise search_sorted_page lets the planner see the query and choose
      // between walking the index of the sort order (common words) and the text index (rare ones). It takes no option
      // filters: with them, this statement walks the matches itself (option_keys' GIN index narrows them).
      const read = `SELECT id FROM matches WHERE (SELECT scale FROM totals) = 1
              ORDER BY ${ORDER_BY[query.sort]} ${pageWindow}`;
      let walked: string;
      if (query.options.length > 0) {
        walked = `SELECT id FROM (SELECT id FROM products
          WHERE (SELECT scale FROM totals) <> 1 AND search_vector @@ (SELECT match FROM q) AND ${onSale}
            AND ${category} AND ${price} AND ${options.match}
          ORDER BY ${ORDER_BY[query.sort]} ${pageWindow}) walked`;
      } else {
        const categories = query.categoryIds.length > 0 ? parameters.add(query.categoryIds) : "NULL";
        const bound = (value: number | undefined) => (value === undefined ? "NULL" : parameters.add(value));
        walked = `SELECT id FROM search_sorted_page((SELECT match FROM q), ${parameters.add(query.inStockOnly)},
          ${categories}::uuid[], ${priceCurrency}::text, ${bound(query.minPriceCents)}::bigint,
          ${bound(query.maxPriceCents)}::bigint,
          ${parameters.add(query.sort)},
          ${parameters.add(query.take)}, ${parameters.add(query.skip)})
        WHERE (SELECT scale FROM totals) <> 1`;
      }
      page = `(${read}) UNION ALL ${walked}`;
    }
  }

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

/**
 * The SQL conditions of the option filters over a products row: `match`, it has one of each filter's values (each an
 * `&&` that option_keys' GIN index answers); `any`, a condition every row an option facet counts meets (with two or
 * more filters, one of them); `facet`, over a row and one of its keys `key`, whether the row counts for that key: it
 * meets every filter but the one of the key's own option.
 */
function optionConditions(
  parameters: Parameters,
  filters: readonly OptionFilter[],
): { match: string; any: string; facet: string } {
  if (filters.length === 0) return { match: "true", any: "true", facet: "true" };
  const groups = filters.map((filter) => ({
    name: parameters.add(filter.name),
    has: `option_keys && ${parameters.add(filter.values.map((value) => optionKey(filter.name, value)))}::text[]`,
  }));
  return {
    match: groups.map((group) => group.has).join(" AND "),
    any: groups.length > 1 ? `(${groups.map((group) => group.has).join(" OR ")})` : "true",
    facet: groups.map((group) => `(split_part(key, '=', 1) = ${group.name}::text OR ${group.has})`).join(" AND "),
  };
}

/**
 * The factor from the matches read (at most `limit`, in table order as a bitmap scan reads them) to all matches: 1
 * when fewer than `limit` were found, else the table's size over the part of it those matches came from (the page
 * of the last match read).
 */
function tableOrderScale(sample: string, limit: string): string {
  return `(SELECT CASE WHEN count(*) < ${limit} THEN 1
            ELSE greatest(1, (pg_relation_size('products') / current_setting('block_size')::float8)
                             / ((max(ctid)::text::point)[0] + 1)) END
           FROM ${sample})`;
}

/**
 * The CTE q: the tsquery that selects (match), the one of the words as typed that ranks (exact), and the normalised
 * text that exact titles are compared with. typing: the last word may be unfinished (search as you type), because
 * the text does not end with a space or punctuation.
 */
function textQuery(parameters: Parameters, text: string, typing: boolean): string {
  // Titles are compared with the text without its quotes: '"we"' is still the title "We".
  const given = parameters.add(text.replaceAll('"', "").trim());
  const normalized = `search_normalize(${given}) AS normalized, lower(${given}) AS lowered`;
  const words = queryWords(text);
  if (words.length === 0 || WEBSEARCH_SYNTAX.test(text)) {
    const raw = parameters.add(text);
    const both = `websearch_to_tsquery('polyscale_english', ${raw}) || websearch_to_tsquery('polyscale_simple', ${raw})`;
    return `q AS MATERIALIZED (SELECT ${both} AS match, ${both} AS exact, false AS loose, ${normalized})`;
  }
  // The number of words is a parameter too, so that statements differ only in their shape (prepared once each).
  const givenWords = parameters.add(words);
  return `words AS (
      SELECT word, position, numnode(plainto_tsquery('polyscale_english', word)) = 0 AS stop
      FROM unnest(${givenWords}::text[]) WITH ORDINALITY AS given (word, position)
    ),
    q AS MATERIALIZED (
      SELECT *, match <> exact AS loose FROM (
        SELECT tsquery_and_all(search_word_query(word, ${parameters.add(typing)}
                 AND position = cardinality(${givenWords}::text[]))) AS match,
               tsquery_and_all(plainto_tsquery('polyscale_english', word) || plainto_tsquery('polyscale_simple', word))
                 AS exact,
               ${normalized}
        FROM words WHERE NOT stop OR NOT EXISTS (SELECT 1 FROM words WHERE NOT stop)
      ) terms
    )`;
}
