-- Prices are minor units of their own currency, so they are compared only within one: price bounds select one
-- currency's products, and the price orders group by currency code (then price, then id). This index serves both;
-- the price-only one it replaces would order ¥5000 after $50.00.
CREATE INDEX products_currency_price_idx ON products (currency, price_cents, id);
DROP INDEX products_price_idx;

-- search_sorted_page (130) with the currency of the price bounds: null when there are none, else only products in it.
DROP FUNCTION search_sorted_page(tsquery, boolean, uuid[], bigint, bigint, text, integer, integer);
CREATE FUNCTION search_sorted_page(
  query tsquery, in_stock_only boolean, category_ids uuid[], price_currency text, min_price_cents bigint,
  max_price_cents bigint, sort text, take integer, skip integer
) RETURNS TABLE (id uuid) STABLE LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT id FROM products WHERE search_vector @@ $1 AND (NOT $2 OR stock > 0)
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
