-- Search that finds what shoppers mean (see src/search/postgres-engine.ts): accent- and case-insensitive, any script,
-- stop words kept, typos corrected against the catalogue's own words.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Two text search configurations, both folding accents first: English stems and stop words ("running" → run), and the
-- words as written in any script, stop words included ("We", "μέλι" → μελι).
CREATE TEXT SEARCH CONFIGURATION polyscale_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION polyscale_english
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION polyscale_simple (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION polyscale_simple
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;

-- Lowercase without accents, as the simple configuration normalises a word; immutable so that indexes may use it.
-- Its search path is fixed because index builds run functions with a restricted one (PostgreSQL 17).
CREATE FUNCTION search_normalize(value text) RETURNS text IMMUTABLE PARALLEL SAFE STRICT LANGUAGE sql
SET search_path FROM CURRENT AS $$
  SELECT lower(unaccent('unaccent'::regdictionary, value))
$$;

CREATE OR REPLACE FUNCTION search_lexemes(field text, weight "char") RETURNS tsvector IMMUTABLE LANGUAGE sql AS $$
  SELECT setweight(to_tsvector('polyscale_english', field) || to_tsvector('polyscale_simple', field), weight)
$$;

-- Every word of the catalogue as written (normalised), for typo correction: a query word the catalogue does not know
-- is matched to known words within one or two edits. Words are never removed; a stale one only proposes a correction
-- that matches nothing.
CREATE TABLE search_words (word text PRIMARY KEY);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- Adds the words of a product's text to search_words, in word order so that concurrent writers never deadlock.
CREATE FUNCTION search_remember_words(vector tsvector) RETURNS void LANGUAGE sql AS $$
  INSERT INTO search_words (word)
  SELECT lexeme FROM unnest(vector) WHERE char_length(lexeme) <= 40 ORDER BY lexeme
  ON CONFLICT DO NOTHING
$$;

CREATE OR REPLACE FUNCTION products_set_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  category_name text := coalesce((SELECT c.name FROM categories c WHERE c.id = NEW.category_id), '');
BEGIN
  NEW.search_vector :=
    search_lexemes(NEW.name, 'A') || search_lexemes(category_name, 'B') || search_lexemes(NEW.description, 'C');
  PERFORM search_remember_words(to_tsvector('polyscale_simple', NEW.name || ' ' || category_name || ' ' || NEW.description));
  RETURN NEW;
END
$$;

-- Known words close to a normalised query word, as a tsquery of alternatives (null when there are none): its adjacent
-- transpositions ("sheos" → shoes) and words within one edit (two from eight letters on), closest first, at most five.
-- Words shorter than four letters are not corrected: too many words are one edit apart. The lowered trigram threshold
-- lets the index propose short words with one edit ("lamb" for "lamp"); the edit distance decides.
CREATE FUNCTION search_corrections(word text) RETURNS tsquery STABLE LANGUAGE sql
SET pg_trgm.similarity_threshold = 0.2 AS $$
  WITH limits AS (SELECT CASE WHEN char_length(word) >= 8 THEN 2 ELSE 1 END AS edits),
  transpositions AS (
    SELECT substr(word, 1, i - 1) || substr(word, i + 1, 1) || substr(word, i, 1) || substr(word, i + 2) AS candidate
    FROM generate_series(1, char_length(word) - 1) AS i
  ),
  close AS (
    SELECT w.word AS candidate, 1 AS distance FROM search_words w WHERE w.word IN (SELECT candidate FROM transpositions)
    UNION
    SELECT w.word, levenshtein_less_equal(w.word, search_corrections.word, limits.edits)
    FROM search_words w, limits
    WHERE w.word % search_corrections.word
      AND levenshtein_less_equal(w.word, search_corrections.word, limits.edits) <= limits.edits
  )
  SELECT string_agg(quote_literal(candidate), ' | ')::tsquery
  FROM (
    SELECT candidate FROM close
    WHERE char_length(word) >= 4 AND candidate <> word
    ORDER BY distance, candidate LIMIT 5
  ) best
$$;

-- The tsquery of one word of a query. Its English stem and the word as written always match. A word the catalogue
-- does not know (a typo, or a word still being typed) also matches known words within one or two edits, and, when
-- the shopper may still be typing it (the last word), every word it begins. Known words match only as themselves, so
-- loose matches never inflate the results of a correctly spelt query.
CREATE FUNCTION search_word_query(word text, typing boolean) RETURNS tsquery STABLE LANGUAGE plpgsql AS $$
DECLARE
  normalized text := search_normalize(word);
  result tsquery := plainto_tsquery('polyscale_english', word) || plainto_tsquery('polyscale_simple', word);
BEGIN
  IF normalized = '' OR EXISTS (SELECT 1 FROM search_words w WHERE w.word = normalized) THEN
    RETURN result;
  END IF;
  IF typing THEN
    result := result || to_tsquery('polyscale_simple', quote_literal(normalized) || ':*');
  END IF;
  RETURN coalesce(result || search_corrections(normalized), result);
END
$$;

-- ANDs tsqueries: the per-word terms of a query.
CREATE AGGREGATE tsquery_and_all(tsquery) (SFUNC = tsquery_and, STYPE = tsquery);

-- A page of the products matching a query, in price or age order, planned for this query's words: the planner then
-- walks the sort order's index for common words and reads the text index for rare ones. Null filters are absent.
CREATE FUNCTION search_sorted_page(
  query tsquery, in_stock_only boolean, category_ids uuid[], min_price_cents bigint, max_price_cents bigint,
  sort text, take integer, skip integer
) RETURNS TABLE (id uuid) STABLE LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT id FROM products WHERE search_vector @@ $1 AND (NOT $2 OR stock > 0)
       AND ($3 IS NULL OR category_id = ANY($3)) AND ($4 IS NULL OR price_cents >= $4)
       AND ($5 IS NULL OR price_cents <= $5)
     ORDER BY %s LIMIT $6 OFFSET $7',
    CASE sort
      WHEN 'price_asc' THEN 'price_cents ASC, id ASC'
      WHEN 'price_desc' THEN 'price_cents DESC, id DESC'
      WHEN 'newest' THEN 'created_at DESC, id DESC'
    END)
  USING query, in_stock_only, category_ids, min_price_cents, max_price_cents, take, skip;
END
$$;

-- Typos are now matched against search_words, no longer against every product name.
DROP INDEX products_name_trgm_idx;

-- Exact title matches are found by this index before any ranking, however many products match the words.
CREATE INDEX products_name_normalized_idx ON products (search_normalize(name));

-- Rebuild every vector and fill the dictionary with the new configurations.
UPDATE products SET name = name;
