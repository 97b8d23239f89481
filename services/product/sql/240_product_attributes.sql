-- Attributes (src/catalog.ts): free name → value pairs of a product (brand, material), shown on it and searched as
-- its variants' option values are: their folded "name=value" keys join products.option_keys (sql/220), so one
-- filter and one facet serve both (a filter "material = wool" finds a product whose attribute or whose variant's
-- option it is). Existing products have none.
ALTER TABLE products ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object');

CREATE FUNCTION product_attribute_keys(attributes jsonb) RETURNS text[] IMMUTABLE PARALLEL SAFE LANGUAGE sql
SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(search_normalize(a.key) || '=' || search_normalize(a.value)), '{}')
  FROM jsonb_each_text(attributes) AS a
$$;

-- What products.option_keys holds for a product: its variants' option keys and its attribute keys, distinct, sorted.
CREATE FUNCTION product_search_keys(product uuid, attributes jsonb) RETURNS text[] STABLE LANGUAGE sql
SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(DISTINCT key ORDER BY key), '{}') FROM (
    SELECT unnest(variant_option_keys(v.options)) AS key FROM product_variants v WHERE v.product_id = product
    UNION ALL
    SELECT unnest(product_attribute_keys(attributes))
  ) AS keys
$$;

-- The variants' trigger (220) now keeps the product's attribute keys beside its variants'.
CREATE OR REPLACE FUNCTION product_variants_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE products p SET
    price_cents = CASE WHEN NEW.position = 0 THEN NEW.price_cents ELSE p.price_cents END,
    currency = CASE WHEN NEW.position = 0 THEN NEW.currency ELSE p.currency END,
    option_keys = k.keys,
    updated_at = now()
  FROM (SELECT product_search_keys(NEW.product_id, own.attributes) AS keys
        FROM products own WHERE own.id = NEW.product_id) k
  WHERE p.id = NEW.product_id
    AND (NEW.position = 0 AND (p.price_cents, p.currency) IS DISTINCT FROM (NEW.price_cents, NEW.currency::text)
         OR p.option_keys IS DISTINCT FROM k.keys);
  RETURN NULL;
END
$$;

-- A product written with attributes, or whose attributes change, gets its keys again (only then: a bulk insert
-- without attributes, as the seed's, pays nothing).
CREATE FUNCTION products_attributes_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.option_keys := product_search_keys(NEW.id, NEW.attributes);
  RETURN NEW;
END
$$;

CREATE TRIGGER products_attributes_insert_trigger BEFORE INSERT ON products
  FOR EACH ROW WHEN (NEW.attributes <> '{}') EXECUTE FUNCTION products_attributes_follow();
CREATE TRIGGER products_attributes_update_trigger BEFORE UPDATE OF attributes ON products
  FOR EACH ROW WHEN (OLD.attributes IS DISTINCT FROM NEW.attributes) EXECUTE FUNCTION products_attributes_follow();
