/**
 * The browsing part of a PostgreSQL search statement (no text): counts and facets exact from the counter table
 * product_counts (sql/181_product_counts.sql) where it has them, otherwise counted up to the limit through the btree
 * indexes or estimated from a fixed block sample of the table; the page read by btree index.
 */
import type { SearchQuery } from "../model.js";
import { ORDER_BY, type SearchFilters, type StatementBody } from "./postgres-filters.js";

/** The counting CTEs and the page of a search without text (see StatementBody). */
export function browseStatement(query: SearchQuery, filters: SearchFilters): StatementBody {
  const { limit, onSale, category, price, options, bounded, filtered, priceCurrency, minPrice, maxPrice } = filters;
  const { pageWindow, facetCurrency } = filters;
  // Browsing: the counter table (sql/181_product_counts.sql) has every count but those within price bounds or of
  // products in stock; those are counted exactly up to the limit through the btree indexes (category, price), else
  // estimated from a fixed (REPEATABLE) block sample of about EXACT_COUNT_LIMIT rows.
  let ctes = `counted AS MATERIALIZED (SELECT category_id, currency, bucket, products AS n FROM product_counts),`;
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
  const page = `SELECT id FROM products WHERE ${onSale} AND ${category} AND ${price} AND ${options.match}
          ORDER BY ${order} ${pageWindow}`;
  return { ctes, page };
}
