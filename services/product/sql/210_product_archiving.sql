-- Archiving (src/catalog.ts): an archived product is off sale but kept, since reservations and other services' orders
-- name it. It leaves listings, search and the browse counts; reserving it is refused by the statement that takes the
-- stock (src/repository.ts, changeStock), under the row lock that archiving takes too, so a checkout either reserves
-- before the archive commits or is refused. Restoring clears the column.
ALTER TABLE products ADD COLUMN archived_at timestamptz;

-- The browse counts (181) count only products on sale: archiving leaves them as a delete would, restoring returns
-- them as an insert would. Updates that keep a product on sale or archived still touch no counter row.
CREATE OR REPLACE FUNCTION product_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM product_counts_add(ARRAY(
      SELECT (category_id, currency, search_price_bucket(price_cents), 1)::product_count_change
      FROM new_products WHERE archived_at IS NULL));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM product_counts_add(ARRAY(
      SELECT (category_id, currency, search_price_bucket(price_cents), -1)::product_count_change
      FROM old_products WHERE archived_at IS NULL));
  ELSE
    PERFORM product_counts_add(ARRAY(
      SELECT (category_id, currency, search_price_bucket(price_cents), 1)::product_count_change
      FROM new_products WHERE archived_at IS NULL
      UNION ALL
      SELECT (category_id, currency, search_price_bucket(price_cents), -1)::product_count_change
      FROM old_products WHERE archived_at IS NULL));
  END IF;
  RETURN NULL;
END
$$;

-- search_sorted_page (180) finds products on sale only.
CREATE OR REPLACE FUNCTION search_sorted_page(
  query tsquery, in_stock_only boolean, category_ids uuid[], price_currency text, min_price_cents bigint,
  max_price_cents bigint, sort text, take integer, skip integer
) RETURNS TABLE (id uuid) STABLE LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT id FROM products WHERE search_vector @@ $1 AND archived_at IS NULL AND (NOT $2 OR stock > 0)
       AND ($3 IS NULL OR category_id = ANY($3)) AND ($4 IS NULL OR currency = $4)
       AND ($5 IS NULL OR price_cents >= $5) AND ($6 IS NULL OR price_cents <= $6)
     ORDER BY %s LIMIT $7 OFFSET $8',
    CASE sort
      WHEN 'price_asc' THEN 'currency ASC, price_cents ASC, id ASC'
      WHEN 'price_desc' THEN 'currency DESC, price_cents DESC, id DESC'
      WHEN 'newest' THEN 'created_at DESC, id DESC'
    END)
  USING query, in_stock_only, category_ids, price_currency, min_price_cents, max_price_cents, take, skip;
END
$$;
