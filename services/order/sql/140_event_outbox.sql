-- The transactional outbox of events (packages/platform/src/events): rows are written in the transaction of the change
-- they describe, published to NATS JetStream by the relay in id order, marked sent after the broker's ack, and pruned.
-- The same table in every service's database.
CREATE TABLE event_outbox (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  subject text NOT NULL,
  aggregate_id text NOT NULL,
  -- The CloudEvents JSON envelope, exactly as published.
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);

CREATE INDEX event_outbox_unsent_idx ON event_outbox (id) WHERE sent_at IS NULL;
CREATE INDEX event_outbox_sent_idx ON event_outbox (sent_at) WHERE sent_at IS NOT NULL;
