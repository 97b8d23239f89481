CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE categories (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100),
  parent_id uuid REFERENCES categories (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT categories_slug_key UNIQUE (slug)
);

CREATE TABLE products (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  category_id uuid REFERENCES categories (id),
  -- Units available to sell: a reservation subtracts from it, a release adds back, a commit only marks.
  stock bigint NOT NULL CHECK (stock >= 0),
  -- Maintained by the trigger below: name (weight A), category name (B), description (C).
  search_vector tsvector NOT NULL DEFAULT ''::tsvector,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A field's lexemes at one weight: English stems for word queries ("running" → run), and the words as written for
-- search-as-you-type prefixes, which must match before the word is complete ("runn" → running).
CREATE FUNCTION search_lexemes(field text, weight "char") RETURNS tsvector IMMUTABLE LANGUAGE sql AS $$
  SELECT setweight(to_tsvector('english', field) || to_tsvector('simple', field), weight)
$$;

-- The category name is read when a product is written. Categories cannot be renamed, so it never goes stale.
CREATE FUNCTION products_set_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    search_lexemes(NEW.name, 'A')
    || search_lexemes(coalesce((SELECT c.name FROM categories c WHERE c.id = NEW.category_id), ''), 'B')
    || search_lexemes(NEW.description, 'C');
  RETURN NEW;
END
$$;

CREATE TRIGGER products_search_vector_trigger
  BEFORE INSERT OR UPDATE OF name, description, category_id ON products
  FOR EACH ROW EXECUTE FUNCTION products_set_search_vector();

CREATE INDEX products_search_vector_idx ON products USING gin (search_vector);
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_price_idx ON products (price_cents, id);
CREATE INDEX products_created_at_idx ON products (created_at DESC, id DESC);
CREATE INDEX products_category_idx ON products (category_id);

CREATE TABLE reservations (
  order_id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('held', 'committed', 'released')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX reservations_status_created_idx ON reservations (status, created_at);
CREATE INDEX reservations_created_idx ON reservations (created_at);

CREATE TABLE reservation_lines (
  order_id uuid NOT NULL REFERENCES reservations (order_id),
  product_id uuid NOT NULL REFERENCES products (id),
  quantity bigint NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);

CREATE INDEX reservation_lines_product_idx ON reservation_lines (product_id);
