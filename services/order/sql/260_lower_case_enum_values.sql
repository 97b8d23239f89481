-- Order statuses, payment kinds and reservation effects as lower snake_case ('pending_payment', 'capture',
-- 'release_reservation'), as the other services store their domain values (CONTRIBUTING, "Enum values"). The proto
-- enums and the event catalogue keep their UPPER names; server.ts and events.ts convert. Every constraint, partial
-- index and function that names a value is dropped, the rows rewritten, then each recreated with the new values.

ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders DROP CONSTRAINT orders_unpaid_due_check;
DROP INDEX orders_unpaid_due_idx;
DROP INDEX orders_unpaid_account_idx;

UPDATE orders SET status = lower(status) WHERE status <> lower(status);

ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('pending_payment', 'paid', 'fulfilled', 'cancelled', 'refunded', 'expired'));
ALTER TABLE orders ADD CONSTRAINT orders_unpaid_due_check
  CHECK (status <> 'pending_payment' OR payment_due_at IS NOT NULL);
CREATE INDEX orders_unpaid_due_idx ON orders (payment_due_at) WHERE status = 'pending_payment';
CREATE INDEX orders_unpaid_account_idx ON orders (account_id) WHERE status = 'pending_payment';

ALTER TABLE payments DROP CONSTRAINT payments_kind_check;
UPDATE payments SET kind = lower(kind) WHERE kind <> lower(kind);
ALTER TABLE payments ADD CONSTRAINT payments_kind_check CHECK (kind IN ('capture', 'refund'));

ALTER TABLE pending_reservation_effects DROP CONSTRAINT pending_reservation_effects_effect_check;
UPDATE pending_reservation_effects
   SET effect = CASE effect WHEN 'releaseReservation' THEN 'release_reservation' ELSE 'commit_reservation' END
 WHERE effect IN ('releaseReservation', 'commitReservation');
ALTER TABLE pending_reservation_effects ADD CONSTRAINT pending_reservation_effects_effect_check
  CHECK (effect IN ('release_reservation', 'commit_reservation'));

-- As sql/200 made it (see there for the lock), counting orders in the new 'pending_payment'.
CREATE OR REPLACE FUNCTION locked_unpaid_holds(account text, products uuid[])
RETURNS TABLE (unpaid_orders int, units json)
LANGUAGE sql VOLATILE AS $$
  SELECT pg_advisory_xact_lock(1000010, hashtext(account));
  SELECT (SELECT count(*)::int FROM orders WHERE account_id = account::uuid AND status = 'pending_payment'),
         coalesce((SELECT json_object_agg(product_id, units) FROM (
            SELECT l.product_id, sum(l.quantity) AS units
              FROM orders o JOIN order_lines l ON l.order_id = o.id
             WHERE o.account_id = account::uuid AND o.status = 'pending_payment' AND l.product_id = ANY(products)
             GROUP BY l.product_id) held), '{}'::json);
$$;
