-- The reconciler pages through held reservations by (created_at, order_id): the index carries the whole key, so each
-- page starts where the last one ended instead of skipping rows.
DROP INDEX reservations_status_created_idx;
CREATE INDEX reservations_status_created_order_idx ON reservations (status, created_at, order_id);
