-- Variants (src/repository.ts): a product is what a shopper searches for and reads about; its variants are what is
-- sold and counted (a T-shirt's "M / red"), each with its own SKU, option values, price and stock, as Vendure's
-- ProductVariant, Medusa's product variant and Saleor's ProductVariant are. Every product has at least one.
--
-- The default variant (position 0) has the product's own id, so whatever named a product before (a reservation line,
-- another service's cart item or order line) names its default variant as it stands, and a line that names only a
-- product takes that variant without a look-up. The product row keeps what search and the old API read: the default
-- variant's price and currency (kept by the trigger below) and, in stock, the units available over all variants (kept
-- by every statement that changes a variant's stock, in the same statement).
CREATE TABLE product_variants (
  id uuid PRIMARY KEY,
  -- A variant does not outlive its product (products are not deleted while a reservation names one of its variants).
  product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0),
  -- Stored upper-case (the service normalises it), so "ts-m-red" and "TS-M-RED" are one SKU.
  sku text NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9._-]{0,63}$'),
  -- [{"name": "Size", "value": "M"}, …] in the order the product lists its options.
  options jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array'),
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Units available to sell: a reservation subtracts from it, a release adds back, a commit only marks.
  stock bigint NOT NULL CHECK (stock >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT product_variants_sku_key UNIQUE (sku),
  CONSTRAINT product_variants_position_key UNIQUE (product_id, position),
  CONSTRAINT product_variants_default_id CHECK ((position = 0) = (id = product_id))
);

-- Every existing product gets its default variant: same id, its price, currency and stock, its id as SKU.
INSERT INTO product_variants (id, product_id, position, sku, price_cents, currency, stock, created_at, updated_at)
SELECT id, id, 0, upper(id::text), price_cents, currency, stock, created_at, updated_at FROM products;

-- The option values of a product's variants as "name=value" keys (normalised: lower case, no accents), for search
-- filters and facets (src/search/postgres-engine.ts): kept by the trigger below.
ALTER TABLE products ADD COLUMN option_keys text[] NOT NULL DEFAULT '{}';
CREATE INDEX products_option_keys_idx ON products USING gin (option_keys);

-- Its search path is fixed because index builds run functions with a restricted one (as search_normalize's, 130).
CREATE FUNCTION variant_option_keys(options jsonb) RETURNS text[] IMMUTABLE PARALLEL SAFE LANGUAGE sql
SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(search_normalize(o ->> 'name') || '=' || search_normalize(o ->> 'value')), '{}')
  FROM jsonb_array_elements(options) AS o
$$;

-- The product row follows its variants' catalogue fields: price and currency from the default variant, option keys
-- from all. Stock changes do not fire it (the hot path keeps the product's sum in its own statement).
CREATE FUNCTION product_variants_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE products p SET
    price_cents = CASE WHEN NEW.position = 0 THEN NEW.price_cents ELSE p.price_cents END,
    currency = CASE WHEN NEW.position = 0 THEN NEW.currency ELSE p.currency END,
    option_keys = k.keys,
    updated_at = now()
  FROM (SELECT coalesce(array_agg(DISTINCT key ORDER BY key), '{}') AS keys
        FROM product_variants v, unnest(variant_option_keys(v.options)) AS key
        WHERE v.product_id = NEW.product_id) k
  WHERE p.id = NEW.product_id
    AND (NEW.position = 0 AND (p.price_cents, p.currency) IS DISTINCT FROM (NEW.price_cents, NEW.currency::text)
         OR p.option_keys IS DISTINCT FROM k.keys);
  RETURN NULL;
END
$$;

CREATE TRIGGER product_variants_follow_trigger
  AFTER INSERT OR UPDATE OF price_cents, currency, options ON product_variants
  FOR EACH ROW EXECUTE FUNCTION product_variants_follow();

-- Reservations hold variants: a line per (order, variant). Existing lines held products, i.e. their default variants.
ALTER TABLE reservation_lines ADD COLUMN variant_id uuid REFERENCES product_variants (id);
UPDATE reservation_lines SET variant_id = product_id;
ALTER TABLE reservation_lines ALTER COLUMN variant_id SET NOT NULL;
ALTER TABLE reservation_lines DROP CONSTRAINT reservation_lines_pkey;
ALTER TABLE reservation_lines ADD PRIMARY KEY (order_id, variant_id);
CREATE INDEX reservation_lines_variant_idx ON reservation_lines (variant_id);

-- No two variants of a product have the same option values, in whatever order they were given.
CREATE FUNCTION variant_options_key(options jsonb) RETURNS text[] IMMUTABLE PARALLEL SAFE LANGUAGE sql
SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM unnest(variant_option_keys(options)) AS k
$$;
CREATE UNIQUE INDEX product_variants_options_key ON product_variants (product_id, variant_options_key(options));
