/**
 * The text part of a PostgreSQL search statement: the words' matches (one read of the GIN index, sql/130_search_relevance.sql),
 * their counts and facets, exact or scaled to the whole table, relevance ranking of a bounded head of candidates, and
 * the page, ranked or sorted.
 */
import type { SearchQuery } from "../model.js";
import { ORDER_BY, type Parameters, type SearchFilters, type StatementBody } from "./postgres-filters.js";

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

/** The words of a query as the engine matches them one by one: runs of letters and digits ("USB-C" → USB, C). */
export function queryWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The counting CTEs and the page of a search for text, the query's text trimmed (see StatementBody). */
export function textSearchStatement(query: SearchQuery, text: string, filters: SearchFilters): StatementBody {
  const { parameters, limit, onSale, category, price, options, filtered, priceCurrency, pageWindow } = filters;
  const { facetCurrency } = filters;
  let page: string;
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
  let ctes = `${textQuery(parameters, text, /[\p{L}\p{N}]$/u.test(query.text))},
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
  return { ctes, page };
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
