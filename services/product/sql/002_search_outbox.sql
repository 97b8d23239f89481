-- Changes waiting to be sent to the search index (see src/search/outbox.ts). Only written when Elasticsearch is the
-- search engine. Several rows for one product collapse into one delivery of its current state.
CREATE TABLE search_outbox (
  id bigserial PRIMARY KEY,
  product_id uuid NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX search_outbox_next_attempt_idx ON search_outbox (next_attempt_at, id);

-- The worker collects every waiting row of the products it claims.
CREATE INDEX search_outbox_product_idx ON search_outbox (product_id);
