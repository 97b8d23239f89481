-- Archiving one variant (src/archiving.ts): an archived variant is off sale but kept, since carts, reservations and
-- other services' orders name it. It leaves what the product row derives from its variants for search, so both
-- engines stop finding the product by its option values: option_keys (filters and facets), the listed price and
-- currency (the first variant on sale, by position: the default while it is on sale), and stock (the units of the
-- variants on sale, so "in stock only" does not count units nobody can buy). Reserving it is refused by the statement
-- that takes the stock (src/repository/inventory.ts, reserveStock), under the product's row lock, which archiving takes
-- too. A product always keeps one variant on sale (the service refuses to archive the last: archive the product).
ALTER TABLE product_variants ADD COLUMN archived_at timestamptz;

-- What products.option_keys holds for a product (sql/240): the option keys of its variants on sale, and its
-- attribute keys, distinct, sorted.
CREATE OR REPLACE FUNCTION product_search_keys(product uuid, attributes jsonb) RETURNS text[] STABLE LANGUAGE sql
SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(DISTINCT key ORDER BY key), '{}') FROM (
    SELECT unnest(variant_option_keys(v.options)) AS key FROM product_variants v
     WHERE v.product_id = product AND v.archived_at IS NULL
    UNION ALL
    SELECT unnest(product_attribute_keys(attributes))
  ) AS keys
$$;

-- The variants' trigger (220, 240), now listing the product at its first variant on sale, and fired by archiving and
-- restoring too.
CREATE OR REPLACE FUNCTION product_variants_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE products p SET
    price_cents = listed.price_cents,
    currency = listed.currency,
    option_keys = k.keys,
    updated_at = now()
  FROM (SELECT v.price_cents, v.currency FROM product_variants v
         WHERE v.product_id = NEW.product_id AND v.archived_at IS NULL
         ORDER BY v.position LIMIT 1) listed,
       (SELECT product_search_keys(NEW.product_id, own.attributes) AS keys
          FROM products own WHERE own.id = NEW.product_id) k
  WHERE p.id = NEW.product_id
    AND (p.price_cents, p.currency, p.option_keys) IS DISTINCT FROM (listed.price_cents, listed.currency::text, k.keys);
  RETURN NULL;
END
$$;

DROP TRIGGER product_variants_follow_trigger ON product_variants;
CREATE TRIGGER product_variants_follow_trigger
  AFTER INSERT OR UPDATE OF price_cents, currency, options, archived_at ON product_variants
  FOR EACH ROW EXECUTE FUNCTION product_variants_follow();
