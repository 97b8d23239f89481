-- Unpaid orders expire; reservation effects (release, commit) that could not reach the product service wait here.

ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'FULFILLED', 'CANCELLED', 'REFUNDED', 'EXPIRED'));

-- When an unpaid order expires. Fixed at placement, so a later change of the payment window does not move the
-- deadline an order was given. Unpaid orders placed before this column existed get the default window (1800 s).
ALTER TABLE orders ADD COLUMN payment_due_at timestamptz;
UPDATE orders SET payment_due_at = created_at + interval '1800 seconds' WHERE status = 'PENDING_PAYMENT';
ALTER TABLE orders ADD CONSTRAINT orders_unpaid_due_check CHECK (status <> 'PENDING_PAYMENT' OR payment_due_at IS NOT NULL);

-- The expiry sweep and the hold limits read only unpaid orders, a small part of all orders.
CREATE INDEX orders_unpaid_due_idx ON orders (payment_due_at) WHERE status = 'PENDING_PAYMENT';
CREATE INDEX orders_unpaid_account_idx ON orders (account_id) WHERE status = 'PENDING_PAYMENT';

-- An effect on an order's stock reservation that is decided but not yet confirmed by the product service. Written
-- in the transaction that decides it (status change, expiry) or when a compensating release fails; deleted once the
-- product service has applied it. An order has at most one: its reservation ends either released or committed.
CREATE TABLE pending_reservation_effects (
  order_id uuid PRIMARY KEY,
  effect text NOT NULL CHECK (effect IN ('releaseReservation', 'commitReservation')),
  attempts integer NOT NULL DEFAULT 0,
  -- Not before this instant: backoff after a failure, and the lease of the replica working on it.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pending_reservation_effects_due_idx ON pending_reservation_effects (next_attempt_at);
