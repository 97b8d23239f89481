-- Cart lines and order lines name a variant (the product service's unit of price and stock), so two variants of one
-- product are two lines. Everything stored before named a product, which is its default variant: that variant has the
-- product's own id (product service, sql/220), so existing rows take variant_id = product_id without a look-up.

ALTER TABLE cart_items ADD COLUMN variant_id uuid;
UPDATE cart_items SET variant_id = product_id;
ALTER TABLE cart_items ALTER COLUMN variant_id SET NOT NULL;
ALTER TABLE cart_items DROP CONSTRAINT cart_items_pkey;
ALTER TABLE cart_items ADD PRIMARY KEY (account_id, variant_id);

-- The variant's SKU and option values ([{"name": "Size", "value": "M"}, …]) as they were at placement, beside the
-- name and price already snapshotted. Lines placed before this migration had no SKU recorded: '' (the order database
-- cannot know whether an admin had changed the default variant's SKU by then), and no options (a default variant
-- made by sql/220 has none).
ALTER TABLE order_lines ADD COLUMN variant_id uuid;
ALTER TABLE order_lines ADD COLUMN sku text NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN options jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array');
UPDATE order_lines SET variant_id = product_id;
ALTER TABLE order_lines ALTER COLUMN variant_id SET NOT NULL;
ALTER TABLE order_lines ALTER COLUMN sku DROP DEFAULT;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_product_id_key;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_id_variant_id_key UNIQUE (order_id, variant_id);
