import type { Database, Queryable } from "@polyscale/platform";
import {
  PRICE_BUCKET_BOUNDS,
  type SearchEngine,
  type SearchQuery,
  type SearchResult,
  type SearchSortOrder,
} from "./search-engine.js";

/** Minimum pg_trgm word similarity for the typo fallback: low enough that "sheos" (0.33) still finds "Shoes". */
const TYPO_SIMILARITY_THRESHOLD = 0.3;

const ORDER_BY: Record<SearchSortOrder, string> = {
  relevance: "rank DESC, id DESC",
  price_asc: "price_cents ASC, id ASC",
  price_desc: "price_cents DESC, id DESC",
  newest: "created_at DESC, id DESC",
};

/** How the text selects and ranks products: full text first, trigram similarity on the name when that finds nothing. */
type TextMode = "all" | "full_text" | "typo";

interface SearchRow {
  total: number;
  ids: string[] | null;
  category_facets: Array<{ category_id: string; count: number }> | null;
  price_facets: Array<{ bucket: number; count: number }> | null;
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
 * Search on PostgreSQL full text (the default engine; works on PGlite too). The text matches as a web-search query
 * or, for search-as-you-type, with its last word as a prefix; results rank by ts_rank over the weighted vector (name,
 * then category name, then description). When that matches nothing, names similar to the text (pg_trgm) are returned
 * instead, so a typo still finds something. Counts and facets are computed in the same statement as the page.
 */
export class PostgresSearchEngine implements SearchEngine {
  readonly name = "postgres";

  constructor(private readonly database: Database) {}

  async search(query: SearchQuery): Promise<SearchResult> {
    if (query.text.trim() === "") return this.run(this.database, query, "all");
    const fullText = await this.run(this.database, query, "full_text");
    if (fullText.totalCount > 0) return fullText;
    return this.database.transaction(async (tx) => {
      // Makes the indexable % style operator (<%) use our threshold, for this transaction only.
      await tx.query("SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)", [
        String(TYPO_SIMILARITY_THRESHOLD),
      ]);
      return this.run(tx, query, "typo");
    });
  }

  private async run(db: Queryable, query: SearchQuery, mode: TextMode): Promise<SearchResult> {
    const parameters = new Parameters();
    const { match, rank: textRank } = textClauses(parameters, query.text, mode);
    // Ranking reads every match's vector: only pay for it when the results are ordered by it.
    const rank = query.sort === "relevance" ? textRank : "0";
    const stock = query.inStockOnly ? "stock > 0" : "true";
    const category =
      query.categoryIds.length > 0 ? `category_id = ANY(${parameters.add(query.categoryIds)}::uuid[])` : "true";
    const price = [
      query.minPriceCents === undefined ? "true" : `price_cents >= ${parameters.add(query.minPriceCents)}`,
      query.maxPriceCents === undefined ? "true" : `price_cents <= ${parameters.add(query.maxPriceCents)}`,
    ].join(" AND ");
    const bounds = parameters.add(PRICE_BUCKET_BOUNDS);
    const take = parameters.add(query.take);
    const skip = parameters.add(query.skip);
    // Each facet ignores its own filter, so it shows what else the shopper could narrow to.
    const result = await db.query<SearchRow>(
      `WITH matched AS (
         SELECT id, price_cents, category_id, created_at, ${rank} AS rank
         FROM products WHERE ${match} AND ${stock}
       ),
       filtered AS (SELECT * FROM matched WHERE ${category} AND ${price})
       SELECT
         (SELECT count(*) FROM filtered) AS total,
         (SELECT array_agg(id::text ORDER BY ${ORDER_BY[query.sort]})
            FROM (SELECT * FROM filtered ORDER BY ${ORDER_BY[query.sort]} LIMIT ${take} OFFSET ${skip}) page) AS ids,
         (SELECT json_agg(facet ORDER BY facet.count DESC, facet.category_id)
            FROM (SELECT category_id, count(*) AS count FROM matched
                  WHERE category_id IS NOT NULL AND ${price} GROUP BY category_id) facet) AS category_facets,
         (SELECT json_agg(facet)
            FROM (SELECT width_bucket(price_cents, ${bounds}::bigint[]) AS bucket, count(*) AS count FROM matched
                  WHERE ${category} GROUP BY 1) facet) AS price_facets`,
      parameters.values,
    );
    const row = result.rows[0]!;
    const bucketCounts = new Map((row.price_facets ?? []).map((facet) => [facet.bucket, facet.count]));
    return {
      productIds: row.ids ?? [],
      totalCount: row.total,
      categoryFacets: (row.category_facets ?? []).map((facet) => ({
        categoryId: facet.category_id,
        count: facet.count,
      })),
      // width_bucket numbers the buckets from 1 (prices are never negative, so never 0).
      priceFacets: PRICE_BUCKET_BOUNDS.map((minCents, index) => ({
        minCents,
        maxCents: PRICE_BUCKET_BOUNDS[index + 1],
        count: bucketCounts.get(index + 1) ?? 0,
      })),
    };
  }
}

function textClauses(parameters: Parameters, text: string, mode: TextMode): { match: string; rank: string } {
  if (mode === "all") return { match: "true", rank: "0" };
  const textParameter = parameters.add(text);
  if (mode === "typo") {
    return { match: `${textParameter} <% name`, rank: `word_similarity(${textParameter}, name)` };
  }
  // Search as you type: a last word of only letters and digits also matches as a prefix of the words as written
  // ("runn" → running; the vector holds unstemmed lexemes for this), joined to the words before it. Only those
  // characters reach to_tsquery, whose syntax would reject stray operators; websearch_to_tsquery accepts any text.
  const lastWord = /(?:^|\s)([\p{L}\p{N}]+)$/u.exec(text);
  const typing = lastWord
    ? `(websearch_to_tsquery('english', ${parameters.add(text.slice(0, lastWord.index))})` +
      ` && to_tsquery('simple', ${parameters.add(`${lastWord[1]!.toLowerCase()}:*`)}))`
    : "''::tsquery";
  const tsquery = `(websearch_to_tsquery('english', ${textParameter}) || ${typing})`;
  return { match: `search_vector @@ ${tsquery}`, rank: `ts_rank(search_vector, ${tsquery})` };
}
