-- Product images (src/catalog.ts setImages): the ordered list of {"url", "alt"} objects, the first being the main
-- image; a position is the index. On the product row, so every read of a product has them without another query; the
-- service bounds the list (20 images, each URL and alt text bounded), so the row stays small.
ALTER TABLE products ADD COLUMN images jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(images) = 'array');
