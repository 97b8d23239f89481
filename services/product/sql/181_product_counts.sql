-- Exact browse counts without scanning products: how many products each category has per currency and price bucket,
-- kept by the statements that change products, in their own transaction. Stock is not counted here: stock changes are
-- the hot path (and reservations change several products in separate statements), so they touch no counter row.

-- The price bucket a search counts a price in (1 = the first): these bounds are PRICE_BUCKET_BOUNDS of
-- src/search/search-engine.ts, in minor units.
CREATE FUNCTION search_price_bucket(price_cents bigint) RETURNS integer IMMUTABLE PARALLEL SAFE LANGUAGE sql
  RETURN width_bucket(price_cents, '{0, 1000, 2500, 5000, 10000, 25000, 50000}'::bigint[]);

CREATE TABLE product_counts (
  category_id uuid,
  currency text NOT NULL,
  bucket integer NOT NULL,
  products bigint NOT NULL,
  UNIQUE NULLS NOT DISTINCT (category_id, currency, bucket)
);

CREATE TYPE product_count_change AS (category_id uuid, currency text, bucket integer, products int);

-- Adds a statement's changes per (category, currency, bucket), in key order so that concurrent statements lock the
-- counter rows in the same order (no deadlock). Only keys whose counts change are touched: an update of stock, name
-- or description locks no counter row.
CREATE FUNCTION product_counts_add(changes product_count_change[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO product_counts AS counts (category_id, currency, bucket, products)
    SELECT category_id, currency, bucket, sum(products) FROM unnest(changes)
    GROUP BY 1, 2, 3 HAVING sum(products) <> 0
    ORDER BY 1, 2, 3
  ON CONFLICT (category_id, currency, bucket) DO UPDATE
    SET products = counts.products + excluded.products
$$;

-- Each branch reads only the transition tables its event has (a statement is planned when first run).
CREATE FUNCTION product_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM product_counts_add(ARRAY(
      SELECT (category_id, currency, search_price_bucket(price_cents), 1)::product_count_change
      FROM new_products));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM product_counts_add(ARRAY(
      SELECT (category_id, currency, search_price_bucket(price_cents), -1)::product_count_change
      FROM old_products));
  ELSE
    PERFORM product_counts_add(ARRAY(
      SELECT (category_id, currency, search_price_bucket(price_cents), 1)::product_count_change
      FROM new_products
      UNION ALL
      SELECT (category_id, currency, search_price_bucket(price_cents), -1)::product_count_change
      FROM old_products));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER product_counts_insert AFTER INSERT ON products REFERENCING NEW TABLE AS new_products
  FOR EACH STATEMENT EXECUTE FUNCTION product_counts_trigger();
CREATE TRIGGER product_counts_update AFTER UPDATE ON products
  REFERENCING OLD TABLE AS old_products NEW TABLE AS new_products
  FOR EACH STATEMENT EXECUTE FUNCTION product_counts_trigger();
CREATE TRIGGER product_counts_delete AFTER DELETE ON products REFERENCING OLD TABLE AS old_products
  FOR EACH STATEMENT EXECUTE FUNCTION product_counts_trigger();

SELECT product_counts_add(ARRAY(
  SELECT (category_id, currency, search_price_bucket(price_cents), 1)::product_count_change
  FROM products));
